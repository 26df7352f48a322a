# shellcheck shell=sh
# The check vocabulary of every case script, sourced by both case libraries (busybox sh in
# the rig's L1, bash in the e2e L1; both runners install this file beside them):
#   ok MESSAGE     a check that held: "ok: MESSAGE"
#   fail MESSAGE   a check that did not: "FAIL: MESSAGE"; the case fails
#   any_failed     true once a check has failed
#   finish         "checks: N ok, M failed" and the case's exit: 0 when none failed and at
#                  least one ran, else 1
# Each check is also a line in $CHECKS_LOG, so that one made in a subshell (a background job,
# a pipeline) counts as well.
CHECKS_LOG=${CHECKS_LOG:-/tmp/case-checks.log}

ok() { echo "ok: $*"; echo ok >> "$CHECKS_LOG"; }
fail() { echo "FAIL: $*"; echo FAIL >> "$CHECKS_LOG"; }
any_failed() { grep -q '^FAIL$' "$CHECKS_LOG" 2>/dev/null; }

finish() {
  checks_ok=$(grep -c '^ok$' "$CHECKS_LOG" 2>/dev/null)
  checks_failed=$(grep -c '^FAIL$' "$CHECKS_LOG" 2>/dev/null)
  echo "checks: ${checks_ok:-0} ok, ${checks_failed:-0} failed"
  if [ "${checks_ok:-0}" -eq 0 ] && [ "${checks_failed:-0}" -eq 0 ]; then
    echo "FAIL: no check ran"
    exit 1
  fi
  [ "${checks_failed:-0}" -eq 0 ] && exit 0
  exit 1
}
