#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs what it needs, builds,
# prepares the PowerPC host rig (L1 kernel, cached outside the clone), then runs
#   - unit tests (label unit) of the ppc64le build, under qemu-ppc64le-static on x86_64,
#   - unit tests of the build machine's ASan/UBSan build of the portable code (x86_64 only),
#   - system tests (label system): real KVM inside the rig, both profiles,
#   - end-to-end tests (label e2e): podman and containerd drive ppc-kvm-shim in an emulated
#     POWER host with a Debian userspace (its image built once and cached outside the clone).
# Ends with one line "tests: N passed, N failed, N skipped", counted from CTest's own record
# (unit tests that skip as root, needing a user whom file modes bind, run again as nobody);
# exits non-zero when anything failed or a part of the suite ran fewer tests than
# tests/suite-minimums holds it to.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

preset=$("$top/tests/build.sh" --host) || { echo "tests: build failed"; exit 1; }
# The rig's kernel, busybox and virtiofsd are built or fetched here, once, so that test timeouts time tests.
"$top/kernel/build-kernel.sh" "$top/tests/rig/l1-host-kernel.fragment" l1-host >/dev/null || { echo "tests: L1 kernel build failed"; exit 1; }
"$top/tests/rig/fetch-busybox.sh" >/dev/null || { echo "tests: busybox fetch failed"; exit 1; }
"$top/tests/rig/fetch-virtiofsd.sh" >/dev/null || { echo "tests: virtiofsd fetch failed"; exit 1; }
"$top/tests/e2e/build-l1-image.sh" >/dev/null || { echo "tests: e2e L1 image build failed"; exit 1; }

passed=0 failed=0 skipped=0 status=0 last_skipped=
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
  last_skipped=$(sed -n 's/ notrun$//p' <<<"$cases")
  check_minimums "$build" "$cases"
}

# run_skipped_unprivileged PRESET: as root, the tests that skipped (they need a user whom file
# modes bind) run again as nobody, each test binary copied where nobody can run it; one that
# passes there turns its skip into a pass, one that fails is a failure, one that skips stays.
run_skipped_unprivileged() {
  [ "$(id -u)" -eq 0 ] && [ -n "$last_skipped" ] || return 0
  local name command words filter bin dir out i
  dir=$(mktemp -d)
  chmod 755 "$dir"
  while read -r name; do
    # "[EMULATOR] BINARY --gtest_filter=... ...", quoted by CTest; the words of our own build.
    command=$(ctest --preset "$1" -N -V -R "^${name//./\\.}\$" | sed -n 's/.*Test command: //p')
    eval "words=($command)"
    filter=
    for i in "${!words[@]}"; do [[ ${words[$i]} == --gtest_filter=* ]] && { filter=${words[$i]}; break; }; done
    if [ -z "$filter" ] || [ "$i" -lt 1 ]; then echo "tests: cannot rerun $name unprivileged: '$command'"; continue; fi
    bin=${words[$((i - 1))]}
    cp "$bin" "$dir/" && chmod 755 "$dir/$(basename "$bin")"
    out=$(cd "$dir" && runuser -u nobody -- "${words[@]:0:$((i - 1))}" "./$(basename "$bin")" "$filter" 2>&1)
    if [ $? -ne 0 ]; then
      echo "$out"; echo "tests: $name failed as nobody"; failed=$((failed + 1)); skipped=$((skipped - 1))
    elif grep -q '^\[  PASSED  \] 1 test' <<<"$out" && ! grep -q '^\[  SKIPPED \]' <<<"$out"; then
      echo "tests: $name passed as nobody"; passed=$((passed + 1)); skipped=$((skipped - 1))
    else
      echo "tests: $name skipped as nobody as well"
    fi
  done <<<"$last_skipped"
  rm -rf "$dir"
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
  run_skipped_unprivileged host
fi
run_ctest ppc "$preset" -L 'unit|system|e2e' -j 2
run_skipped_unprivileged "$preset"

echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && exit $status
exit 1
