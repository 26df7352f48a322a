#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs what it needs, builds,
# prepares the PowerPC host rig (L1 kernel, cached outside the clone), then runs
#   - unit tests (label unit) of the ppc64le build, under qemu-ppc64le-static on x86_64,
#   - unit tests of the build machine's ASan/UBSan build of the portable code (x86_64 only),
#   - system tests (label system): real KVM inside the rig, both profiles,
#   - end-to-end tests (label e2e): podman and containerd drive ppc-kvm-shim in an emulated
#     POWER host with a Debian userspace (its image built once and cached outside the clone).
# Ends with one line "tests: N passed, N failed, N skipped" (skips: unit tests that need a
# non-root user); exits non-zero when anything failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

preset=$("$top/tests/build.sh" --host) || { echo "tests: build failed"; exit 1; }
# The rig's kernel, busybox and virtiofsd are built or fetched here, once, so that test timeouts time tests.
"$top/kernel/build-kernel.sh" "$top/tests/rig/l1-host-kernel.fragment" l1-host >/dev/null || { echo "tests: L1 kernel build failed"; exit 1; }
"$top/tests/rig/fetch-busybox.sh" >/dev/null || { echo "tests: busybox fetch failed"; exit 1; }
"$top/tests/rig/fetch-virtiofsd.sh" >/dev/null || { echo "tests: virtiofsd fetch failed"; exit 1; }
"$top/tests/e2e/build-l1-image.sh" >/dev/null || { echo "tests: e2e L1 image build failed"; exit 1; }

passed=0 failed=0 skipped=0 status=0
run_ctest() {  # run_ctest PRESET ARGS...: runs ctest and adds its counts to the totals
  local out
  out=$(mktemp)
  ctest --preset "$@" 2>&1 | tee "$out"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  local line total bad
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$out" | tail -1)
  if [ -z "$line" ]; then echo "tests: ctest $1 ran no tests"; status=1; rm -f "$out"; return; fi
  total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
  bad=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
  skip=$(grep -c '(Skipped)' "$out" || true)
  passed=$((passed + total - bad - skip)); failed=$((failed + bad)); skipped=$((skipped + skip))
  rm -f "$out"
}

if [ "$(uname -m)" != ppc64le ]; then
  run_ctest host -L unit
fi
run_ctest "$preset" -L 'unit|system|e2e' -j 2

echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && exit $status
exit 1
