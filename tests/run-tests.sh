#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs what it needs, builds,
# prepares the PowerPC host rig (L1 kernel, cached outside the clone), then runs
#   - unit tests (label unit) of the ppc64le build, under qemu-ppc64le-static on x86_64,
#   - unit tests of the build machine's ASan/UBSan build of the portable code (x86_64 only),
#   - system tests (label system): real KVM inside the rig, both profiles,
#   - end-to-end tests (label e2e): podman and containerd drive ppc-kvm-shim in an emulated
#     POWER host with a Debian userspace (its image built once and cached outside the clone).
# Ends with one line "tests: N passed, N failed, N skipped" (skips: unit tests that need a
# non-root user), counted from CTest's own record; exits non-zero when anything failed or a
# part of the suite ran fewer tests than tests/suite-minimums holds it to.
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
# run_ctest BUILD PRESET ARGS...: runs ctest and adds the counts of CTest's own record (its JUnit
# file: run, fail, notrun) to the totals; then holds each part of BUILD's suite (host or ppc) to
# its minimum in tests/suite-minimums, so that tests that stop being registered fail the run.
run_ctest() {
  local build=$1 junit
  shift
  junit=$(mktemp)
  ctest --preset "$@" --output-junit "$junit" 2>&1 || status=1
  local cases all ran skips
  cases=$(grep -oE '<testcase name="[^"]+"[^>]* status="[a-z]+"' "$junit" |
          sed -E 's/<testcase name="([^"]+)".* status="([a-z]+)"/\1 \2/')
  rm -f "$junit"
  if [ -z "$cases" ]; then echo "tests: ctest $1 ran no tests"; status=1; return; fi
  all=$(wc -l <<<"$cases"); ran=$(grep -c ' run$' <<<"$cases"); skips=$(grep -c ' notrun$' <<<"$cases")
  # Whatever is neither run (passed) nor notrun (skipped) failed: fail, a timeout, a crash.
  passed=$((passed + ran)); skipped=$((skipped + skips)); failed=$((failed + all - ran - skips))
  check_minimums "$build" "$cases"
}

# check_minimums BUILD CASES: every "BUILD PART MINIMUM" line of tests/suite-minimums against
# how many tests named PART.* CASES holds.
check_minimums() {
  local build_of part minimum count
  while read -r build_of part minimum; do
    [ "$build_of" = "$1" ] || continue
    count=$(grep -c "^$part\." <<<"$2")
    if [ "$count" -lt "$minimum" ]; then
      echo "tests: $1 build ran $count $part tests, fewer than the $minimum of tests/suite-minimums"
      status=1
    fi
  done < <(grep -vE '^(#|$)' "$top/tests/suite-minimums")
}

if [ "$(uname -m)" != ppc64le ]; then
  run_ctest host host -L unit
fi
run_ctest ppc "$preset" -L 'unit|system|e2e' -j 2

echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && exit $status
exit 1
