# Runs in L1: faults at the shim's named points (shim/commands/fault_points.h). At each, the
# shim stops itself (PPC_KVM_SHIM_STOP_AT, "fault_points" in the host settings); the case then
# kills something (the shim, the VMM's outer process, the jailed VMM, the guest through a
# panic), lets a surviving shim go on, and checks that `state` tells the truth and that
# `delete --force` leaves nothing: no process of the VM, no virtiofsd, no cgroup, no mount,
# no state directory. Then misuse: commands on a container in the wrong state fail and change
# nothing. Last, a pod member's create stopped at each point: nothing of it left, the pod
# unharmed.
. /rig/case_lib.sh
shim_case_setup
sed -i 's/^{/{"fault_points":true,/' "$PPC_KVM_SHIM_CONFIG"
mkdir -p /sys/fs/cgroup
grep -q " /sys/fs/cgroup cgroup2 " /proc/mounts || mount -t cgroup2 cgroup2 /sys/fs/cgroup

# fault_bundle NAME ARGS_JSON: a bundle with its own cgroup, /sys/fs/cgroup/faults/NAME.
fault_bundle() {
  b=$(bundle "$1" "$2")
  sed -i "s|\"linux\":{|\"linux\":{\"cgroupsPath\":\"/faults/$1\",|" "$b/config.json"
  echo "$b"
}

# stop_at POINT NAME COMMAND...: runs the shim COMMAND in the background, stopped at POINT;
# returns once it is, with $shim its pid (false, with the logs, if it never stops there).
stop_at() {
  local point=$1 name=$2
  shift 2
  rm -f /tmp/stop.report
  PPC_KVM_SHIM_STOP_AT=$point PPC_KVM_SHIM_STOP_REPORT=/tmp/stop.report "$@" </dev/null >/tmp/$name.out 2>&1 &
  for _ in $(seq 2400); do grep -q "^$point " /tmp/stop.report 2>/dev/null && break; sleep 0.25; done
  shim=$(sed -n "s/^$point \([0-9]*\)$/\1/p" /tmp/stop.report 2>/dev/null)
  [ -n "$shim" ] && return 0
  fail "$name: the shim never stopped at $point"; tail -5 /tmp/$name.out; show_logs; return 1
}

# The VM's processes as the ledger names them: $outer (the VMM's outer process) and $inner
# (the jailed VMM, from the outer one's log).
vm_pids() {
  outer=$(sed -n 's/.*"made":"vmm","pid":\([0-9]*\).*/\1/p' $root/$1/made.jsonl 2>/dev/null | tail -1)
  inner=$(jailed_vmm_pid $root/$1/vmm.log)
}

# go_on: a stopped shim that survived the fault goes on; waits for it to end.
go_on() {
  alive "$shim" || return 0
  kill -CONT "$shim"
  for _ in $(seq 240); do alive "$shim" || return 0; sleep 0.25; done
  fail "the shim $shim did not end after the fault"; kill -9 "$shim"
}

# virtiofsd_running: a virtiofsd anywhere in L1.
virtiofsd_running() {
  for c in /proc/[0-9]*/cmdline; do tr '\0' ' ' < "$c" 2>/dev/null | grep -q '^/usr/lib/qemu/virtiofsd ' && return 0; done
  return 1
}

# virtiofsd_of NAME: the pid of the virtiofsd serving container NAME's share.
virtiofsd_of() {
  local c
  for c in /proc/[0-9]*/cmdline; do
    tr '\0' ' ' < "$c" 2>/dev/null | grep -q "^/usr/lib/qemu/virtiofsd .*source=$root/$1/share " &&
      { c=${c#/proc/}; echo "${c%/cmdline}"; return 0; }
  done
}

# cgroup_of PID: its cgroup v2 path.
cgroup_of() { sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null; }

# settle NAME WANT...: waits up to 60 s for `state` to give one of WANT: the host process
# notices a killed child only when the kernel tells it, which a loaded machine delays.
settle() {
  local name=$1 got i
  shift
  for i in $(seq 120); do
    got=$(state_of "$name"); [ -n "$got" ] || got=gone
    for w in "$@"; do [ "$got" = "$w" ] && return 0; done
    sleep 0.5
  done
}

# truthful NAME WANT...: `state` gives one of WANT ("gone" for no such container).
truthful() {
  local name=$1 got
  shift
  got=$(state_of "$name"); [ -n "$got" ] || got=gone
  for w in "$@"; do [ "$got" = "$w" ] && { ok "$name: state says $got"; return 0; }; done
  fail "$name: state says $got, want one of: $*"
}

# nothing_left NAME: delete --force, then no process, virtiofsd, cgroup, mount or directory.
nothing_left() {
  local name=$1 p
  $S delete --force "$name" 2>>/tmp/$name.out || fail "$name: delete --force: $(tail -1 /tmp/$name.out)"
  for p in $outer $inner; do
    for _ in $(seq 40); do alive "$p" || break; sleep 0.25; done
    alive "$p" && { fail "$name: VM process $p left running"; kill -9 "$p"; }
  done
  virtiofsd_running && fail "$name: a virtiofsd is left running"
  [ -d /sys/fs/cgroup/faults/$name ] && fail "$name: its cgroup is left"
  [ -d /sys/fs/cgroup/faults/$name.virtiofsd ] && fail "$name: virtiofsd's cgroup is left"
  root_clean "$name"
}

echo "== create, stopped before the VMM exists: the shim killed"
for point in create.state-directory create.share create.cgroup create.network; do
  n=c-${point#create.}; outer='' inner=''
  b=$(fault_bundle $n '["true"]')
  stop_at $point $n $S create --bundle $b $n || continue
  # What the point promises is there, so that its removal below is tested.
  case $point in
    create.state-directory) [ -s $root/$n/made.jsonl ] && ok "$n: the ledger exists" || fail "$n: no ledger at $point" ;;
    create.share) grep -q " $root/$n/share " /proc/self/mountinfo && ok "$n: the share is mounted" || fail "$n: no share at $point" ;;
    # No container memory limit: memory.max is still the VM's RAM plus the VMM's headroom.
    create.cgroup) cg=/sys/fs/cgroup/faults/$n
      [ "$(cat $cg/pids.max 2>&1)" = 49 ] && [ "$(cat $cg/memory.max 2>&1)" -gt 0 ] 2>/dev/null &&
        [ "$(cat $cg.virtiofsd/pids.max 2>&1)" = 32 ] &&
        ok "$n: the cgroup exists, pids.max 49, memory.max $(cat $cg/memory.max); virtiofsd's beside it, pids.max 32" ||
        fail "$n: cgroup at $point: pids.max '$(cat $cg/pids.max 2>&1)', memory.max '$(cat $cg/memory.max 2>&1)'," \
          "virtiofsd's pids.max '$(cat $cg.virtiofsd/pids.max 2>&1)'" ;;
    create.network) grep -q " $root/$n/netns " /proc/self/mountinfo && grep -q '"made":"tap"' $root/$n/made.jsonl &&
      ok "$n: the shim's network namespace is bound, its tap in the ledger" || fail "$n: no network namespace at $point" ;;
  esac
  kill -9 $shim
  truthful $n gone
  nothing_left $n
done

echo "== create, stopped once the VMM is ready (no state.json yet)"
b=$(fault_bundle vr-shim '["true"]')
if stop_at create.vmm-ready vr-shim $S create --bundle $b vr-shim; then
  vm_pids vr-shim
  d=$(virtiofsd_of vr-shim)
  [ "$(cgroup_of "$outer")" = /faults/vr-shim ] && [ -n "$d" ] && [ "$(cgroup_of "$d")" = /faults/vr-shim.virtiofsd ] &&
    ok "vr-shim: the VMM runs in its cgroup, virtiofsd in its own beside it" ||
    fail "vr-shim: the VMM $outer in '$(cgroup_of "$outer")', virtiofsd '$d' in '$(cgroup_of "$d")'"
  kill -9 $shim
  # Not handed over: the VMM stops itself once its creator is gone.
  for _ in $(seq 120); do alive "$outer" || break; sleep 0.25; done
  alive "$outer" && fail "vr-shim: the VMM $outer outlived its creator" || ok "vr-shim: the VMM ended with its creator"
  truthful vr-shim gone
  nothing_left vr-shim
fi
b=$(fault_bundle vr-outer '["true"]')
if stop_at create.vmm-ready vr-outer $S create --bundle $b vr-outer; then
  vm_pids vr-outer
  kill -9 "$outer"
  go_on
  truthful vr-outer gone stopped
  nothing_left vr-outer
fi

echo "== create, stopped after state.json, before the VMM is handed over: the jailed VMM killed"
b=$(fault_bundle sw-inner '["true"]')
if stop_at create.state-written sw-inner $S create --bundle $b sw-inner; then
  vm_pids sw-inner
  [ -n "$inner" ] && kill -9 "$inner" || fail "sw-inner: no jailed VMM pid in vmm.log"
  go_on
  settle sw-inner stopped gone
  truthful sw-inner stopped gone
  nothing_left sw-inner
fi

echo "== start, stopped after running was recorded: the shim killed"
b=$(fault_bundle st-shim '["sh","-c","echo started; exec sleep 1000"]')
if create_bg st-shim $b /dev/null /tmp/st-shim.ctr && stop_at start.state-written st-shim $S start st-shim; then
  vm_pids st-shim
  kill -9 $shim
  truthful st-shim running created
  nothing_left st-shim
fi

echo "== start, stopped once the process runs: the guest panics"
b=$(fault_bundle st-panic '["sh","-c","sleep 1; echo c > /proc/sysrq-trigger; sleep 1000"]')
if create_bg st-panic $b /dev/null /tmp/st-panic.ctr && stop_at start.started st-panic $S start st-panic; then
  vm_pids st-panic
  for _ in $(seq 240); do alive "$outer" || break; sleep 0.25; done
  alive "$outer" && fail "st-panic: the VMM $outer still runs after the guest's panic" || ok "st-panic: the VMM ended with the guest"
  go_on
  truthful st-panic stopped
  nothing_left st-panic
fi

echo "== exec, stopped once the exec'd process runs: the shim killed; then misuse"
b=$(fault_bundle ex-shim '["sh","-c","echo started; exec sleep 1000"]')
if start_announced ex-shim $b && stop_at exec.started ex-shim $S exec ex-shim sleep 999; then
  vm_pids ex-shim
  kill -9 $shim
  truthful ex-shim running
  $S exec ex-shim true && ok "ex-shim: another exec works after a killed one" || fail "ex-shim: exec after a killed exec"
  for misuse in "start ex-shim:cannot start an already running container" "resume ex-shim:not paused" \
                "delete ex-shim:that is not stopped"; do
    err=$($S ${misuse%%:*} 2>&1); rc=$?
    case "$err" in *"${misuse#*:}"*) [ $rc -ne 0 ] && ok "ex-shim: '${misuse%%:*}' refused: $err" ;;
      *) fail "ex-shim: '${misuse%%:*}': exit $rc, '$err'" ;; esac
  done
  truthful ex-shim running
  nothing_left ex-shim
fi

echo "== delete --force, stopped after the VMM was killed, and after the ledger was undone: the shim killed"
for point in delete.vmm-killed delete.undone; do
  n=d-${point#delete.}
  b=$(fault_bundle $n '["sh","-c","echo started; exec sleep 1000"]')
  start_announced $n $b || continue
  vm_pids $n
  stop_at $point $n $S delete --force $n || continue
  kill -9 $shim
  truthful $n stopped gone
  nothing_left $n
done

echo "== the other faults where the VM exists: the shim, the VMM's outer process, the jailed VMM, a guest panic"
# Before start no process of the container runs in the guest, so nothing there can panic it
# (create.*, start.state-written); the faults before the VMM exists and after delete killed it
# are the shim alone (above).
# fault_at NAME POINT FAULT WANT...: reaches POINT (create, start or exec) with the shim stopped
# there, applies FAULT, lets a surviving shim go on; then `state` says one of WANT and delete
# --force leaves nothing. An exec that is to panic the guest does so itself, a second in.
fault_at() {
  local n=$1 point=$2 fault=$3 run='sleep 999'
  shift 3
  [ "$fault" = panic ] && run='sleep 1; echo c > /proc/sysrq-trigger'
  outer='' inner=''
  b=$(fault_bundle $n '["sh","-c","echo started; exec sleep 1000"]')
  case $point in
    create.*) stop_at $point $n $S create --bundle $b $n || return 0 ;;
    start.*) { create_bg $n $b /dev/null /tmp/$n.ctr && stop_at $point $n $S start $n; } || return 0 ;;
    exec.*) { start_announced $n $b && stop_at $point $n $S exec $n sh -c "$run"; } || return 0 ;;
  esac
  vm_pids $n
  case $fault in
    shim) kill -9 $shim ;;
    outer) kill -9 "$outer" ;;
    inner) [ -n "$inner" ] && kill -9 "$inner" || fail "$n: no jailed VMM pid in vmm.log" ;;
  esac
  # Each fault but the shim's ends the VM; so does a shim killed before the VMM was handed over.
  if [ "$fault" != shim ] || [ "${point%%.*}" = create ]; then
    for _ in $(seq 240); do alive "$outer" || break; sleep 0.25; done
    alive "$outer" && fail "$n: the VMM $outer still runs after the $fault fault at $point" ||
      ok "$n: the VM ended after the $fault fault at $point"
  fi
  [ "$fault" != shim ] && go_on
  truthful $n "$@"
  nothing_left $n
}
fault_at vr-inner create.vmm-ready inner gone stopped
fault_at sw-shim create.state-written shim stopped gone
fault_at sw-outer create.state-written outer stopped gone
fault_at ss-outer start.state-written outer stopped
fault_at ss-inner start.state-written inner stopped
fault_at sd-shim start.started shim running
fault_at sd-outer start.started outer stopped
fault_at sd-inner start.started inner stopped
fault_at ex-outer exec.started outer stopped
fault_at ex-inner exec.started inner stopped
fault_at ex-panic exec.started panic stopped

echo "== a pod member's create, stopped at each point: the shim killed; the pod runs on"
# A member names the sandbox's network namespace by path (as podman --network container:NAME
# does); its create is stopped at each point and the shim killed there. Then its `delete
# --force` leaves nothing of it (process, cgroup, binds in the pod's share, state) and the
# pod's guest still takes a member, under an id a stopped create used.
# member_bundle NAME ARGS_JSON: a member of the pod whose VMM is $sandbox_pid.
member_bundle() {
  b=$(fault_bundle "$1" "$2")
  sed -i "s|{\"type\":\"network\"}|{\"type\":\"network\",\"path\":\"/proc/$sandbox_pid/ns/net\"}|" "$b/config.json"
  echo "$b"
}
# member_gone NAME: delete --force, then nothing of the member left; the sandbox's VM runs on.
member_gone() {
  local n=$1 p
  $S delete --force $n 2>>/tmp/$n.out || fail "$n: delete --force: $(tail -1 /tmp/$n.out)"
  for p in $outer $inner; do
    for _ in $(seq 40); do alive "$p" || break; sleep 0.25; done
    alive "$p" && { fail "$n: its process $p left running"; kill -9 "$p"; }
  done
  [ -d /sys/fs/cgroup/faults/$n ] && fail "$n: its cgroup is left"
  left=$(grep -c -e " $root/$n[/ ]" -e " $root/pod-sb/share/$n[/ ]" /proc/self/mountinfo)
  [ ! -e $root/$n ] && [ ! -e $root/pod-sb/share/$n ] && [ "$left" = 0 ] && ok "$n: nothing of the member is left" ||
    fail "$n: left: $(ls -d $root/$n $root/pod-sb/share/$n 2>/dev/null), $left mount(s)"
  alive "$sandbox_pid" && ok "$n: the pod's VM runs on" || fail "$n: the pod's VM ended with the member's fault"
}
b=$(fault_bundle pod-sb '["sh","-c","echo started; exec sleep 1000"]')
if start_announced pod-sb $b; then
  sandbox_pid=$pid
  for point in create.state-directory create.share create.cgroup create.vmm-ready create.state-written; do
    n=m-${point#create.}; outer='' inner=''
    mb=$(member_bundle $n '["sh","-c","echo member; exec sleep 1000"]')
    stop_at $point $n $S create --bundle $mb $n || continue
    case $point in
      create.share) grep -q " $root/pod-sb/share/$n/root " /proc/self/mountinfo && ok "$n: its root is bound into the pod's share" ||
        fail "$n: no bind in the pod's share at $point" ;;
      create.cgroup) [ -d /sys/fs/cgroup/faults/$n ] && ok "$n: its cgroup exists" || fail "$n: no cgroup at $point" ;;
    esac
    vm_pids $n
    kill -9 $shim
    # A member's process not handed over ends once its creator is gone (the agent then
    # removes the member from the guest).
    for p in $outer $inner; do
      for _ in $(seq 120); do alive "$p" || break; sleep 0.25; done
      alive "$p" && fail "$n: the member's process $p outlived its creator"
    done
    truthful $n gone stopped
    member_gone $n
  done
  mb=$(member_bundle m-state-written '["sh","-c","echo member again"]')
  if create_bg m-state-written $mb /dev/null /tmp/m-again.out; then
    $S start m-state-written || fail "start m-state-written"
    expect_line_soon /tmp/m-again.out "^member again$"
    wait_state m-state-written stopped
    $S delete m-state-written || fail "delete m-state-written"
  fi
  outer='' inner=''
  vm_pids pod-sb
  nothing_left pod-sb
fi

finish
