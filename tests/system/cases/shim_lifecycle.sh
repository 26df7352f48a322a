# Runs in L1: the runc lifecycle through ppc-kvm-shim with a busybox bundle, each container in
# its own guest: create/start/state/delete, run, kill, delete --force, exec, pause/resume, list.
# reaper (a subreaper, as conmon is) records the exit status of each VMM the shim leaves behind.
. /rig/case_lib.sh
shim_case_setup

echo "== 1. create -> created (VMM alive) -> start -> running -> exits 3 -> stopped -> delete -> gone"
b=$(bundle life '["sh","-c","echo started; read word; echo got $word; exit 3"]')
mkfifo /tmp/life.in
exec 7<>/tmp/life.in   # held open here, so the container's stdin stays open until we write
create_bg life $b /tmp/life.in /tmp/life.out || { echo "the first container could not be created: the remaining checks need one"; finish; }
if [ -n "$pid" ] && [ "$(state_of life)" = created ] && alive "$pid"; then ok "created, VMM $pid alive"; else fail "after create: pid '$pid', state $(state_of life)"; show_logs; fi
$S state life | grep -q "\"pid\": $pid" && $S state life | grep -q "\"bundle\": \"$b\"" && ok "state has pid and bundle" || fail "state: $($S state life)"
[ "$($S ps --format json life)" = "[$pid]" ] || $S ps --format json life | grep -q "^\[$pid," && ok "ps lists the VMM" || fail "ps: $($S ps --format json life)"
$S start life && ok "start" || fail "start"
[ "$(state_of life)" = running ] && ok "running" || fail "state after start: $(state_of life)"
err=$($S start life 2>&1 >/dev/null); rc=$?
[ $rc -eq 1 ] && echo "$err" | grep -q "cannot start an already running container" && ok "second start refused" || fail "second start: $rc $err"
expect_line_soon /tmp/life.out "^started$"
echo hello >&7
st=$(reaped /tmp/life.reaped "$pid")
[ "$st" = 3 ] && ok "the VMM exited with the container's status 3" || fail "VMM status '$st', want 3"
wait_state life stopped && ok "stopped"
$S state life | grep -q '"pid": 0' && ok "stopped state shows pid 0" || fail "stopped state: $($S state life)"
expect_line_soon /tmp/life.out "^got hello$"
$S delete life && ok "delete" || fail "delete"
err=$($S state life 2>&1); [ $? -eq 1 ] && echo "$err" | grep -q "container does not exist" && ok "gone" || fail "after delete: $err"
root_clean "lifecycle"
exec 7>&-

echo "== 2. run prints the output (bind mounts through the share) and returns the exit code"
echo "hi from the host" > /tmp/greeting
mkdir -p /tmp/datadir && echo A > /tmp/datadir/a && echo B > /tmp/datadir/b
# Its last line: each backing device of the guest with its read-ahead. The share's is the only
# one (the agent raises it; the submounts of the root and binds use it).
b=$(bundle run1 '["sh","-c","echo hello from $(hostname); cat /etc/greeting; cat /data/a /data/b; echo read-ahead $(cd /sys/class/bdi && for d in *; do echo $d=$(cat $d/read_ahead_kb); done); exit 5"]' false \
  ',{"destination":"/etc/greeting","type":"bind","source":"/tmp/greeting","options":["rbind","ro"]},
    {"destination":"/data","type":"bind","source":"/tmp/datadir","options":["rbind"]}')
$S run --bundle $b run1 > /tmp/run1.out 2>/tmp/run1.err; rc=$?
[ $rc -eq 5 ] && ok "run exit 5" || { fail "run exit $rc, want 5"; cat /tmp/run1.err; show_logs; }
got=$(tr -d '\r' < /tmp/run1.out | head -n 4)
[ "$(wc -l < /tmp/run1.out)" -eq 5 ] && [ "$got" = "hello from shimbox
hi from the host
A
B" ] && ok "run output" || fail "run output: '$(tr -d '\r' < /tmp/run1.out)'"
ra=$(tr -d '\r' < /tmp/run1.out | sed -n 5p)
echo "$ra" | grep -Eqx 'read-ahead [0-9]+:[0-9]+=4096' && ok "the root's share reads ahead 4096 KiB ($ra)" || fail "the share's read-ahead: '$ra'"
root_clean "run"

echo "== 3. kill TERM and KILL reach the container's process"
for sig in TERM KILL; do
  start_announced k$sig "$(bundle k$sig '["sh","-c","echo started; exec sleep 1000"]')"
  $S kill k$sig $sig && ok "kill $sig" || fail "kill $sig"
  want=$([ $sig = TERM ] && echo 143 || echo 137)
  st=$(reaped /tmp/k$sig.reaped "$pid")
  [ "$st" = "$want" ] && ok "SIG$sig: VMM status $st" || fail "SIG$sig: VMM status '$st', want $want"
  wait_state k$sig stopped
  err=$($S kill k$sig 2>&1); [ $? -eq 1 ] && echo "$err" | grep -q "container not running" && ok "kill of a stopped container refused" || fail "kill stopped: $err"
  $S delete k$sig || fail "delete k$sig"
done
root_clean "kill"

echo "== 4. delete --force of a running container; delete without it refused"
b=$(bundle force '["sh","-c","exec sleep 1000"]')
create_bg force $b /dev/null /tmp/force.out
$S start force || fail "start force"
err=$($S delete force 2>&1); [ $? -eq 1 ] && echo "$err" | grep -q "cannot delete container force that is not stopped: running" \
  && ok "delete of a running container refused" || fail "delete running: $err"
$S delete --force force && ok "delete --force" || fail "delete --force"
alive "$pid" && fail "VMM $pid survived delete --force" || ok "VMM gone"
root_clean "delete --force"

echo "== 5. exec: plain, --tty, --process, --detach, a missing executable"
start_announced ex "$(bundle ex '["sh","-c","echo started; exec sleep 1000"]' false '' ',"annotations":{"io.ppc-kvm.vcpus":"2"}')"
expid=$pid
$S exec ex sh -c 'echo exec-out; echo exec-err >&2; exit 4' </dev/null >/tmp/e.out 2>/tmp/e.err; rc=$?
[ $rc -eq 4 ] && [ "$(cat /tmp/e.out)" = exec-out ] && [ "$(cat /tmp/e.err)" = exec-err ] && ok "exec: status and both streams" \
  || fail "exec: rc $rc out '$(cat /tmp/e.out)' err '$(cat /tmp/e.err)'"
echo "from stdin" | $S exec ex cat > /tmp/e.out 2>&1 && [ "$(cat /tmp/e.out)" = "from stdin" ] && ok "exec: stdin" || fail "exec stdin: $(cat /tmp/e.out)"
$S exec --tty ex sh -c 'tty; [ -t 0 ] && echo is-a-tty' </dev/null >/tmp/e.out 2>&1; rc=$?
[ $rc -eq 0 ] && tr -d '\r' < /tmp/e.out | grep -q "^/dev/pts/[0-9]" && tr -d '\r' < /tmp/e.out | grep -qx "is-a-tty" \
  && ok "exec --tty: a terminal in the guest" || fail "exec --tty: rc $rc '$(cat /tmp/e.out)'"
cat > /tmp/p.json <<'JSON'
{"args":["sh","-c","echo proc-json $A; id -u"],"cwd":"/tmp","env":["PATH=/bin","A=1"],"user":{"uid":1000,"gid":1000}}
JSON
$S exec --process /tmp/p.json ex > /tmp/e.out 2>&1 && [ "$(cat /tmp/e.out)" = "proc-json 1
1000" ] && ok "exec --process" || fail "exec --process: $(cat /tmp/e.out)"
rm -f /tmp/exd.pid
reaper /tmp/exd.reaped $S exec --detach --pid-file /tmp/exd.pid ex sh -c 'sleep 1; echo detached-out; exit 6' >/tmp/exd.out 2>&1 &
for _ in $(seq 240); do [ -s /tmp/exd.pid ] && break; sleep 0.25; done
dpid=$(cat /tmp/exd.pid 2>/dev/null)
st=$(reaped /tmp/exd.reaped "$dpid")
[ -n "$dpid" ] && [ "$st" = 6 ] && grep -q detached-out /tmp/exd.out && ok "exec --detach: pid $dpid exited 6" \
  || fail "exec --detach: pid '$dpid' status '$st' output '$(cat /tmp/exd.out)'"
err=$($S exec ex nope 2>&1 >/dev/null); rc=$?
[ $rc -eq 127 ] && echo "$err" | grep -q 'exec: "nope": executable file not found in \$PATH' && ok "exec of a missing binary: 127" \
  || fail "exec nope: rc $rc '$err'"

echo "== 6. pause and resume"
b=$(bundle tick '["sh","-c","while true; do echo tick; sleep 0.2; done"]')
create_bg tick $b /dev/null /tmp/tick.out
tpid=$pid
$S start tick || fail "start tick"
expect_line_soon /tmp/tick.out "^tick$"
$S pause tick && [ "$(state_of tick)" = paused ] && ok "paused" || fail "pause: $(state_of tick)"
sed 's/.*) //' /proc/$tpid/stat | cut -d' ' -f1 | grep -q T && ok "the VMM is stopped (T)" || fail "VMM state $(cat /proc/$tpid/stat)"
sleep 1
before=$(wc -l < /tmp/tick.out); sleep 3; after=$(wc -l < /tmp/tick.out)
[ "$before" -eq "$after" ] && ok "no output while paused ($before lines)" || fail "output grew while paused: $before -> $after"
err=$($S exec tick true 2>&1); [ $? -eq 1 ] && echo "$err" | grep -q "paused" && ok "exec refused while paused" || fail "exec paused: $err"
err=$($S pause tick 2>&1); [ $? -eq 1 ] || fail "second pause accepted"
$S resume tick && [ "$(state_of tick)" = running ] && ok "resumed" || fail "resume: $(state_of tick)"
# The guest ticks every 0.2 s; on a loaded rig its first tick after SIGCONT can take seconds.
for _ in $(seq 240); do later=$(wc -l < /tmp/tick.out); [ "$later" -gt "$after" ] && break; sleep 0.25; done
[ "$later" -gt "$after" ] && ok "output again after resume ($after -> $later)" \
  || fail "no output within 60 s of resume: $after -> $later; VMM $(cut -d' ' -f3 /proc/$tpid/stat 2>/dev/null)"
err=$($S resume tick 2>&1); [ $? -eq 1 ] && echo "$err" | grep -q "not paused" && ok "resume of a running container refused" || fail "resume running: $err"

echo "== 7. list"
list=$($S list)
echo "$list"
echo "$list" | grep -q "^ex  *$expid  *running  */tmp/bundles/ex " && echo "$list" | grep -q "^tick  *$tpid  *running " \
  && ok "list table" || fail "list table"
$S list --format json | grep -q "\"id\":\"ex\"" && [ "$($S list -q | tr '\n' ' ')" = "ex tick " ] && ok "list json and -q" \
  || fail "list json/-q: $($S list --format json) / $($S list -q)"
$S kill ex KILL; $S kill tick KILL
[ "$(reaped /tmp/ex.reaped "$expid")" = 137 ] && [ "$(reaped /tmp/tick.reaped "$tpid")" = 137 ] && ok "both killed" || fail "kill ex/tick"
wait_state ex stopped; wait_state tick stopped
$S delete ex; $S delete tick
root_clean "exec, pause, list"

echo "== 8. guest templates: the same container restored (HV) or booted cold (PR, saying why) as with templates off"
t=/var/lib/ppc-kvm-shim/templates
b=$(bundle tpl '["sh","-c","echo $(uname -r) $(nproc) $(grep MemTotal /proc/meminfo | tr -s \" \"); ls /"]')
ppc-kvm-shim --root $root --log /tmp/shim-tpl.log --debug run --bundle $b tpl > /tmp/tpl.out 2>&1; rc=$?
sed 's/}[[:space:]]*$/,"templates":0}/' "$PPC_KVM_SHIM_CONFIG" > /tmp/shim-cold.json  # last: it wins
PPC_KVM_SHIM_CONFIG=/tmp/shim-cold.json ppc-kvm-shim --root $root --log /tmp/shim-cold.log --debug run --bundle $b tplc \
  > /tmp/tplc.out 2>&1; rcc=$?
if [ $rc -eq 0 ] && [ $rcc -eq 0 ] && [ -s /tmp/tpl.out ] && cmp -s /tmp/tpl.out /tmp/tplc.out; then
  ok "the same output and status with templates on and off ($(head -1 /tmp/tpl.out | tr -d '\r'))"
else fail "templates on: exit $rc '$(cat /tmp/tpl.out)'; off: exit $rcc '$(cat /tmp/tplc.out)'"; fi
grep -q "no guest template: booting cold" /tmp/shim-cold.log && ok "templates off: booted cold" || fail "templates off: $(grep -m2 'template\|VMM started' /tmp/shim-cold.log)"
if [ "$RIG_PROFILE" = hv ]; then
  # The earlier sections' first create made the template of this shape; this run restored it.
  # Logged once the agent created the container: not after a failed restore and a cold boot.
  grep -q "guest restored from $t/[0-9a-f]*, agent created the container" /tmp/shim-tpl.log &&
    ! grep -q "booting cold" /tmp/shim-tpl.log && [ "$(stat -c %a $t)" = 700 ] &&
    ok "KVM-HV: restored from a template in $t (0700)" || fail "KVM-HV: not restored: $(grep -m3 'template\|VMM started' /tmp/shim-tpl.log)"
else
  # KVM-PR guests cannot be saved: the first attempt said so once, later creates boot cold.
  grep -q "making a guest template .* failed .*KVM-PR guest cannot be saved" /tmp/shim.log && ls $t/*.refused >/dev/null 2>&1 &&
    grep -q "no guest template: booting cold" /tmp/shim-tpl.log && ok "KVM-PR: no template (logged why); booted cold" ||
    fail "KVM-PR: $(grep -m2 'template' /tmp/shim.log) / $(grep -m2 'template\|VMM started' /tmp/shim-tpl.log)"
fi
ls -d $t/*.making-* 2>/dev/null && fail "a making directory is left" || ok "no making directory left"
makers=$(grep -l -e "--save-when-read[y]" /proc/[0-9]*/cmdline 2>/dev/null)  # [y]: not grep itself
[ -z "$makers" ] && ok "no template's VMM left running" || fail "a template's VMM is still running: $makers"
root_clean "guest templates"

any_failed && show_logs
finish
