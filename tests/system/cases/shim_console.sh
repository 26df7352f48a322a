# Runs in L1: --console-socket with a real pty. console_receiver plays conmon: it receives the
# pty master, reads sh's prompt and types commands; create/start, run and exec --tty --detach.
. /rig/case_lib.sh
shim_case_setup

echo "== 1. create --console-socket: the receiver gets the pty master and talks to sh"
b=$(bundle tty '["sh"]' true)
console_receiver /tmp/cs1.sock /tmp/tty1.out 'echo tty-$((6*7))' 'exit 7' 2>/tmp/recv1.err &
recv=$!
for _ in $(seq 40); do [ -S /tmp/cs1.sock ] && break; sleep 0.25; done
create_bg tty $b /dev/null /tmp/tty.out --console-socket /tmp/cs1.sock || { echo "the first container could not be created: the remaining checks need one"; finish; }
[ "$(state_of tty)" = created ] && ok "created with a console socket" || { fail "create: $(state_of tty)"; show_logs; }
$S start tty || fail "start tty"
st=$(reaped /tmp/tty.reaped "$pid")
[ "$st" = 7 ] && ok "sh exited 7 as typed" || fail "VMM status '$st', want 7"
wait $recv && ok "receiver got a terminal: $(cat /tmp/recv1.err)" || fail "receiver: $(cat /tmp/recv1.err)"
tr -d '\r' < /tmp/tty1.out | grep -q "# " && ok "the receiver read sh's prompt" || fail "no prompt in '$(cat /tmp/tty1.out)'"
tr -d '\r' < /tmp/tty1.out | grep -qx "tty-42" && ok "sh ran the typed command" || fail "no tty-42 in '$(cat /tmp/tty1.out)'"
# One echo only: the host pty is raw, the guest's pty echoes.
[ "$(tr -d '\r' < /tmp/tty1.out | grep -c 'echo tty-')" = 1 ] && ok "typed line echoed once" || fail "echo count: $(cat /tmp/tty1.out)"
wait_state tty stopped
$S delete tty || fail "delete tty"

echo "== 2. run --console-socket returns sh's exit status"
console_receiver /tmp/cs2.sock /tmp/tty2.out 'exit 11' 2>/tmp/recv2.err &
recv=$!
for _ in $(seq 40); do [ -S /tmp/cs2.sock ] && break; sleep 0.25; done
$S run --bundle $b --console-socket /tmp/cs2.sock ttyrun; rc=$?
[ $rc -eq 11 ] && ok "run exit 11" || { fail "run exit $rc, want 11"; show_logs; }
wait $recv

echo "== 3. exec --tty --detach --console-socket into a running container"
start_announced host "$(bundle host '["sh","-c","echo started; exec sleep 1000"]')"
hpid=$pid
console_receiver /tmp/cs3.sock /tmp/tty3.out 'tty' 'exit 9' 2>/tmp/recv3.err &
recv=$!
for _ in $(seq 40); do [ -S /tmp/cs3.sock ] && break; sleep 0.25; done
rm -f /tmp/x.pid
reaper /tmp/x.reaped $S exec --tty --detach --console-socket /tmp/cs3.sock --pid-file /tmp/x.pid host sh
xpid=$(cat /tmp/x.pid 2>/dev/null)
st=$(sed -n "s/^$xpid \([0-9]*\)$/\1/p" /tmp/x.reaped)
[ -n "$xpid" ] && [ "$st" = 9 ] && ok "exec --tty --detach: pid $xpid exited 9" || fail "exec tty: pid '$xpid' status '$st'"
wait $recv
tr -d '\r' < /tmp/tty3.out | grep -q "^/dev/pts/[0-9]" && ok "the exec'd sh has a guest terminal" || fail "tty output '$(cat /tmp/tty3.out)'"
err=$($S exec --tty --detach host sh 2>&1); [ $? -eq 1 ] && echo "$err" | grep -q "console socket" && ok "tty + detach without a socket refused" || fail "$err"
$S delete --force host || fail "delete host"
[ "$(reaped /tmp/host.reaped "$hpid")" = 137 ] && ok "host VMM killed" || fail "host VMM status"
root_clean "console"
any_failed && show_logs
finish
