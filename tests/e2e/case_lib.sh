# shellcheck shell=bash
# Helpers for e2e case scripts (bash, inside the e2e L1 host), installed by run-l1.sh as
# /e2e/case_lib.sh. A case sources it, checks with the helpers and ends with `finish`.
export IMG=localhost/busybox:latest  # built into the image: podman's storage and containerd's
E2E_FAILS=0

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

# ok DESCRIPTION / bad DESCRIPTION: one line per check; bad ones make the case fail.
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; E2E_FAILS=$((E2E_FAILS + 1)); }

# expect_run DESCRIPTION WANT_RC WANT_STDOUT: checks the last `timed` command (stdout exact).
expect_run() {
  if [ "$RC" = "$2" ] && [ "$OUT" = "$3" ]; then
    ok "$1"
  else
    bad "$1: exit $RC (want $2), stdout '$OUT' (want '$3')"
    [ -z "$ERR" ] || { echo "  stderr:"; sed 's/^/    /' <<<"$ERR" | tail -n 20; }
  fi
}

# finish: the case's exit status (0 when no check failed).
finish() {
  echo "checks failed: $E2E_FAILS"
  [ "$E2E_FAILS" -eq 0 ] && exit 0
  exit 1
}
