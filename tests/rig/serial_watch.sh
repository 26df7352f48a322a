# shellcheck shell=bash
# The end of a run of an emulated L1 host, for tests/rig/l1_boot.sh (both L1 runners):
#   watch_serial_and_exit NAME QEMU_PID LOG START TIMEOUT
# watches LOG (QEMU's serial output) until the case reports "RIG-RESULT: N", L1 panics, QEMU
# ends or START+TIMEOUT passes; stops QEMU, prints the case's output (RIG-BEGIN .. RIG-RESULT)
# and exits: the case's status, 121 timeout, 122 L1 kernel panic, 120 no result.
RIG_FAILURE=120 RIG_TIMEOUT=121 RIG_PANIC=122

watch_serial_and_exit() {
  local name=$1 qemu=$2 log=$3 start=$4 timeout=$5
  local status="" deadline=$((start + timeout)) result elapsed
  while kill -0 "$qemu" 2>/dev/null; do
    # A result ends the run (QEMU gets a moment to power off by itself).
    if grep -q '^RIG-RESULT: ' "$log"; then
      for _ in $(seq 20); do kill -0 "$qemu" 2>/dev/null || break; sleep 0.5; done
      break
    fi
    # A guest's panic that a case prints (guest_panic shows its guest's console) reads the same
    # as L1's own: the case gets 10 s to report before it counts as L1's.
    if grep -q 'Kernel panic - not syncing' "$log"; then
      for _ in $(seq 20); do
        grep -q '^RIG-RESULT: ' "$log" && break
        kill -0 "$qemu" 2>/dev/null || break
        sleep 0.5
      done
      break
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then status=$RIG_TIMEOUT; break; fi
    sleep 0.5
  done
  kill "$qemu" 2>/dev/null || true
  wait "$qemu" 2>/dev/null || true

  result=$(sed -n 's/^RIG-RESULT: \([0-9]*\).*/\1/p' "$log" | tr -d '\r' | tail -1)
  # What the case printed, always: it is the test's own output.
  sed -n '/^RIG-BEGIN/,/^RIG-RESULT/p' "$log" | tr -d '\r'
  elapsed=$(( $(date +%s) - start ))
  if [ -n "$result" ]; then
    echo "$name: case exited $result after ${elapsed} s"
    exit "$result"
  fi
  tail -n 40 "$log" | tr -d '\r' >&2
  if grep -q 'Kernel panic - not syncing' "$log"; then echo "$name: L1 kernel panic" >&2; exit $RIG_PANIC; fi
  if [ "$status" = "$RIG_TIMEOUT" ]; then echo "$name: timeout after ${timeout} s" >&2; exit $RIG_TIMEOUT; fi
  echo "$name: QEMU ended without a result" >&2
  exit $RIG_FAILURE
}
