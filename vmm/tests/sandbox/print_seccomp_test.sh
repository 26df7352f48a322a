#!/bin/sh
# `ppc-kvm-vmm --print-seccomp` must print exactly the reviewed allowlists.
#   print_seccomp_test.sh ALLOWLISTS [EMULATOR...] VMM
expected=$1; shift
if "$@" --print-seccomp | diff -u "$expected" -; then
  echo "ok: --print-seccomp matches $expected"
else
  echo "FAIL: the allowlists changed; review the difference, then update $expected from --print-seccomp"
  exit 1
fi
