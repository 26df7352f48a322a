#!/bin/sh
# `ppc-kvm-shim check` on this build machine, which has no KVM for POWER: exit status 1 with
# the missing KVM and its fix in both formats; 2 for bad usage, naming the flag.
#   check_command_test.sh [EMULATOR...] SHIM
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
shim="$*"
failed=0
fail() { echo "FAIL: $*"; failed=1; }

$shim check >"$tmp/out" 2>"$tmp/err"
status=$?
cat "$tmp/out"
[ "$status" -eq 1 ] || fail "check: exit status $status, expected 1"
grep -q '^MISSING  kvm-flavour ' "$tmp/out" || fail "check: no MISSING kvm-flavour line"
grep -A1 '^MISSING  kvm-flavour ' "$tmp/out" | grep -q ' fix: ' || fail "check: kvm-flavour without its fix"
if [ ! -e /dev/kvm ]; then
  grep -q '^MISSING  kvm-device .*/dev/kvm missing' "$tmp/out" || fail "check: /dev/kvm not named missing"
fi
grep -q '^This host cannot run ppc-kvm-shim containers: ' "$tmp/out" || fail "check: no verdict"
[ -s "$tmp/err" ] && fail "check: wrote to stderr: $(cat "$tmp/err")"

$shim check --format json >"$tmp/json" 2>"$tmp/err"
status=$?
[ "$status" -eq 1 ] || fail "check --format json: exit status $status, expected 1"
head -c 1 "$tmp/json" | grep -q '{' || fail "check --format json: not an object"
grep -q '"ok": false,' "$tmp/json" || fail "check --format json: no \"ok\": false"
grep -q '"name": "kvm-flavour"' "$tmp/json" || fail "check --format json: no kvm-flavour"

$shim check --format yaml >"$tmp/out" 2>"$tmp/err"
status=$?
[ "$status" -eq 2 ] || fail "check --format yaml: exit status $status, expected 2"
grep -q -- '--format: expected text or json, got \\"yaml\\"' "$tmp/err" || fail "check --format yaml: $(cat "$tmp/err")"
[ -s "$tmp/out" ] && fail "check --format yaml: printed a report"

$shim check --frobnicate >/dev/null 2>"$tmp/err"
status=$?
[ "$status" -eq 2 ] || fail "check --frobnicate: exit status $status, expected 2"
grep -q 'flag provided but not defined: -frobnicate' "$tmp/err" || fail "check --frobnicate: $(cat "$tmp/err")"

$shim check --help >"$tmp/out" 2>&1 || fail "check --help: exit status $?"
grep -q -- '--format' "$tmp/out" || fail "check --help does not list --format"

[ "$failed" -eq 0 ] && echo "check_command: all passed"
exit "$failed"
