# shellcheck shell=bash
# Helpers for e2e case scripts (bash, inside the e2e L1 host), installed by run-l1.sh as
# /e2e/case_lib.sh. A case sources it, checks with ok/fail and the helpers and ends with
# `finish` (tests/rig/checks.sh, installed beside it).
. /e2e/checks.sh  # ok, fail, any_failed, finish
export IMG=localhost/busybox:latest  # built into the image: podman's storage and containerd's

# timed NAME COMMAND...: runs COMMAND with stdin from /dev/null, keeps its stdout in $OUT,
# its stderr in $ERR and its status in $RC, and prints "TIME NAME: S s (exit N)".
timed() {
  local name=$1 t0 t1
  shift
  t0=$(date +%s.%N)
  "$@" </dev/null >/tmp/e2e-out 2>/tmp/e2e-err
  RC=$?
  t1=$(date +%s.%N)
  OUT=$(cat /tmp/e2e-out) ERR=$(cat /tmp/e2e-err)
  echo "TIME $name: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') s (exit $RC)"
}

# expect_run DESCRIPTION WANT_RC WANT_STDOUT: checks the last `timed` command (stdout exact).
expect_run() {
  if [ "$RC" = "$2" ] && [ "$OUT" = "$3" ]; then
    ok "$1"
  else
    fail "$1: exit $RC (want $2), stdout '$OUT' (want '$3')"
    [ -z "$ERR" ] || { echo "  stderr:"; sed 's/^/    /' <<<"$ERR" | tail -n 20; }
  fi
}

# L1's own kernel and RAM, against which a container's are compared.
L1_KERNEL=$(uname -r)
L1_MEM_KIB=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)

# expect_terminal LABEL NAME COMMAND: runs COMMAND (a shell command line that starts a
# container running sh with a terminal) under util-linux's script, so that it has a pty,
# types two lines into it and checks that the container's stdin was a tty, the typed input
# reached its shell and its exit code (4) came back. The feeder keeps the input open until
# the container has ended.
expect_terminal() {
  local label=$1 name=$2 command=$3
  rm -f /tmp/e2e-tty-done
  timed "$name" sh -c "(sleep 1; printf 'tty; echo typed-\$((6*7))\nexit 4\n'
      while [ ! -e /tmp/e2e-tty-done ]; do sleep 0.2; done) |
    (script -qefc '$command' /dev/null; rc=\$?; touch /tmp/e2e-tty-done; exit \$rc)"
  if [ "$RC" = 4 ] && grep -q '^/dev/pts/0' <<<"$OUT" && grep -q 'typed-42' <<<"$OUT"; then
    ok "$label: a tty, typed input, exit 4"
  else
    fail "$label: exit $RC, output: $(tr -d '\r' <<<"$OUT" | tail -n 8)"
  fi
}

# expect_kernel LABEL OURS: checks the last `timed` command printed the kernel release: a
# guest's own (OURS=yes) or L1's (a runtime that shares L1's kernel).
expect_kernel() {
  if [ "$2" = yes ]; then
    if [ "$RC" = 0 ] && [ -n "$OUT" ] && [ "$OUT" != "$L1_KERNEL" ]; then
      ok "$1: uname -r is the guest's kernel ($OUT), not L1's ($L1_KERNEL)"
    else
      fail "$1: uname -r: '$OUT' (L1: $L1_KERNEL), exit $RC"
    fi
  else
    expect_run "$1: uname -r is L1's kernel" 0 "$L1_KERNEL"
  fi
}

# expect_guest_size LABEL: the last `timed` command printed MemTotal (kB) and nproc of a guest
# sized for 512 MiB and 1 CPU (the VM adds its overhead; the kernel keeps some).
expect_guest_size() {
  local mem cpus
  mem=$(sed -n 1p <<<"$OUT") cpus=$(sed -n 2p <<<"$OUT")
  if [ "$RC" = 0 ] && [ "$mem" -gt 450000 ] 2>/dev/null && [ "$mem" -lt 700000 ] && [ "$cpus" = 1 ]; then
    ok "$1: 512 MiB and 1 CPU: the guest has $mem kB and $cpus vCPU (L1: $L1_MEM_KIB kB, $(nproc))"
  else
    fail "$1: 512 MiB and 1 CPU: exit $RC, guest MemTotal '$mem' kB, nproc '$cpus'"
  fi
}

# expect_host_check: `ppc-kvm-shim check`, as a user runs it after installing the package,
# says this L1 can run containers (its report printed either way).
expect_host_check() {
  local report rc
  report=$(ppc-kvm-shim check 2>&1); rc=$?
  echo "$report"
  if [ "$rc" -eq 0 ]; then ok "ppc-kvm-shim check: this host can run containers ($(command -v ppc-kvm-shim))"
  else fail "ppc-kvm-shim check exited $rc"; fi
}

# expect_container_runs LABEL COMMAND-LINE EXEC...: EXEC (an exec into a running container, to
# which "cat /proc/1/cmdline" is appended) shows COMMAND-LINE as the container's pid 1, so that
# a process-table check after it is about a container that really runs.
expect_container_runs() {
  local label=$1 want=$2 got
  shift 2
  got=$("$@" cat /proc/1/cmdline 2>&1 | tr '\0' ' ')
  if [ "$got" = "$want " ]; then ok "$label: the container runs '$want'"
  else fail "$label: the container does not run '$want': '$got'"; fi
}

# expect_in_process_table LABEL PATTERN OURS: a container's process matching PATTERN is
# absent from L1's process table (OURS=yes: it runs in a guest) or present in it.
expect_in_process_table() {
  if [ "$3" = yes ]; then
    if pgrep -f "$2" >/dev/null; then fail "$1: L1 sees the container's process: $(pgrep -af "$2")"
    else ok "$1: the container's '$2' is not in L1's process table"; fi
  else
    if pgrep -f "$2" >/dev/null; then ok "$1: the container's '$2' is in L1's process table"
    else fail "$1: L1 does not see the container's '$2'"; fi
  fi
}

# wait_for SECONDS COMMAND...: polls COMMAND until it succeeds.
wait_for() {
  local n=$(($1 * 4)); shift
  while [ "$n" -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.25; n=$((n - 1)); done
  return 1
}

# set_host_setting '"KEY": VALUE': the shim's host settings with the key added last, where it
# wins over the same key earlier in the file (the parser keeps the last). The package installs
# no settings file (the defaults apply); a file the payload brought keeps its other keys.
# restore_host_settings puts them back as they were.
HOST_SETTINGS=/etc/ppc-kvm-shim/config.json
set_host_setting() {
  local body
  rm -f /tmp/e2e-settings.saved
  [ -f $HOST_SETTINGS ] && cp $HOST_SETTINGS /tmp/e2e-settings.saved
  body=$(cat $HOST_SETTINGS 2>/dev/null)
  body=${body%\}}
  mkdir -p "${HOST_SETTINGS%/*}"
  if grep -q : <<<"$body"; then printf '%s, %s}\n' "$body" "$1" > $HOST_SETTINGS; else echo "{$1}" > $HOST_SETTINGS; fi
}
restore_host_settings() {
  if [ -f /tmp/e2e-settings.saved ]; then mv /tmp/e2e-settings.saved $HOST_SETTINGS; else rm -f $HOST_SETTINGS; fi
}
