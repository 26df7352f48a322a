# Runs in L1: the VMM's container mode, as ppc-kvm-shim uses it: --container-request with the
# agent's CreateContainer, a ready line on --ready-fd, the container's stdio as the VMM's own,
# and the VMM's exit status the container's. With the jail (the supervisor thread in the outer
# process) and without it (in the VMM process). Then a pod: --join-vm puts a second container
# into a running VM, its process standing for that container alone.
. /rig/case_lib.sh
make_container_initramfs /tmp/container.cpio || { fail "building the initramfs"; finish; }
mkdir -p /tmp/vm

request() {  # request ARGS_JSON > FILE
  cat <<JSON
{"container_id":"c1","hostname":"vm-test","config":{"ociVersion":"1.0.2","root":{"path":"rootfs"},
 "process":{"args":$1,"cwd":"/","user":{"uid":0,"gid":0},"env":["PATH=/bin"]},
 "mounts":[{"destination":"/proc","type":"proc","source":"proc"}],
 "linux":{"namespaces":[{"type":"mount"},{"type":"uts"}]}}}
JSON
}

# run_vm NAME [VMM_FLAGS...]: boots with /tmp/request.json; the ready line lands in /tmp/ready.line,
# stdout/stderr in /tmp/out and /tmp/err, the VMM's status in $vmm_rc.
run_vm() {
  name=$1
  shift
  rm -f /tmp/ready /tmp/vm/vsock.sock
  mkfifo /tmp/ready
  ppc-kvm-vmm --kernel $SHARE/guest-vmlinux --initrd /tmp/container.cpio --memory 256M --vcpus 1 \
    --vsock-uds /tmp/vm/vsock.sock --console /tmp/console.log --cmdline "console=hvc0 panic=-1 quiet" \
    --container-request /tmp/request.json --ready-fd 3 --log /tmp/vmm.log "$@" 3>/tmp/ready > /tmp/out 2>/tmp/err < /dev/null &
  vmm=$!
  read -r line < /tmp/ready
  echo "$line" > /tmp/ready.line
  case "$line" in
    ok)
      agent_ctl --uds /tmp/vm/vsock.sock --container c1 start || { fail "$name: start"; kill $vmm; }
      wait $vmm; vmm_rc=$? ;;
    *) kill $vmm; wait $vmm; vmm_rc=$? ;;
  esac
}

for mode in jail no-jail; do
  flags=""
  [ $mode = no-jail ] && flags=--no-jail

  request '["sh","-c","echo hello from $(hostname); echo to-stderr >&2"]' > /tmp/request.json
  run_vm hello $flags
  if [ "$(cat /tmp/ready.line)" = ok ]; then ok "$mode: ready line"; else fail "$mode: ready line '$(cat /tmp/ready.line)'"; fi
  if [ "$(cat /tmp/out)" = "hello from vm-test" ]; then ok "$mode: stdout"; else fail "$mode: stdout"; cat /tmp/out; fi
  if [ "$(cat /tmp/err)" = to-stderr ]; then ok "$mode: stderr is the container's alone"; else fail "$mode: stderr"; cat /tmp/err /tmp/vmm.log; fi
  if [ $vmm_rc -eq 0 ]; then ok "$mode: exit 0"; else fail "$mode: VMM exit $vmm_rc"; cat /tmp/err /tmp/vmm.log; fi

  request '["sh","-c","exit 7"]' > /tmp/request.json
  run_vm exit7 $flags
  if [ $vmm_rc -eq 7 ]; then ok "$mode: the VMM exits with the container's 7"; else fail "$mode: VMM exit $vmm_rc, want 7"; cat /tmp/err /tmp/vmm.log; fi

  request '["nope"]' > /tmp/request.json
  run_vm missing $flags
  case "$(cat /tmp/ready.line)" in
    'error 127 exec: "nope": executable file not found in $PATH') ok "$mode: create error on the ready fd" ;;
    *) fail "$mode: ready line '$(cat /tmp/ready.line)'"; cat /tmp/err ;;
  esac
done

echo "== --join-vm runs no machine"
out=$(ppc-kvm-vmm --join-vm /tmp/vm/vsock.sock --kernel $SHARE/guest-vmlinux --container-request /tmp/request.json \
  --ready-fd 3 --log /tmp/vmm.log 3>/dev/null 2>&1)
rc=$?
[ $rc -eq 2 ] && [ "$out" = "ppc-kvm-vmm: --join-vm runs no machine: drop --kernel and --initrd" ] && ok "--join-vm with --kernel: exit 2, named" ||
  fail "--join-vm with --kernel: exit $rc: $out"

# A pod: the sandbox boots the VM with a share; each member's root is under the share.
mkdir -p /tmp/empty-rootfs /tmp/share
ppc-kvm-rootfs --agent /opt/ppc-kvm-shim/bin/ppc-kvm-agent --rootfs /tmp/empty-rootfs -o /tmp/agent-only.cpio
for c in c1 c2 c3 c4; do make_busybox_root /tmp/share/$c/root; done
mount --bind /tmp/share /tmp/share && mount --make-shared /tmp/share
pod_request() {  # pod_request ID SANDBOX ARGS_JSON > FILE (UTS_PATH set and empty: a UTS namespace of its own)
  local uts=',"path":"/proc/1/ns/uts"'
  [ "${UTS_PATH+set}" = set ] && uts=$UTS_PATH
  cat <<JSON
{"container_id":"$1","sandbox_id":"$2","hostname":"$1-host","shared_fs_tag":"ppc-kvm-share","config":{"ociVersion":"1.0.2",
 "root":{"path":"/share/$1/root"},
 "process":{"args":$3,"cwd":"/","user":{"uid":0,"gid":0},"env":["PATH=/bin"]},
 "mounts":[{"destination":"/proc","type":"proc","source":"proc"}],
 "linux":{"namespaces":[{"type":"mount"},{"type":"uts"$uts}]}}}
JSON
}
# member NAME FLAGS...: the member of /tmp/member.json; its ready line in /tmp/mready.line,
# its stdout in /tmp/mout, its process $member.
member() {
  shift
  rm -f /tmp/mready
  mkfifo /tmp/mready
  ppc-kvm-vmm --join-vm /tmp/vm/vsock.sock --container-request /tmp/member.json --ready-fd 3 --log /tmp/member.log "$@" \
    3>/tmp/mready > /tmp/mout 2>/tmp/merr < /dev/null &
  member=$!
  read -r line < /tmp/mready
  echo "$line" > /tmp/mready.line
}
# wait_member: its status in $rc; a member still there after a minute is a failure, killed.
wait_member() {
  (sleep 60; kill -KILL $member 2>/dev/null) &
  local watchdog=$!
  wait $member
  rc=$?
  kill $watchdog 2>/dev/null
  [ $rc -ne 137 ] || fail "the member's process did not end within 60 s (or was killed)"
}
for mode in jail no-jail; do
  flags=""
  [ $mode = no-jail ] && flags=--no-jail
  UTS_PATH= pod_request c1 "" '["sh","-c","echo sandbox-up; exec sleep 3600"]' > /tmp/request.json
  rm -f /tmp/ready /tmp/vm/vsock.sock
  mkfifo /tmp/ready
  ppc-kvm-vmm --kernel $SHARE/guest-vmlinux --initrd /tmp/agent-only.cpio --memory 256M --vcpus 1 --fs-share /tmp/share \
    --vsock-uds /tmp/vm/vsock.sock --console /tmp/console.log --cmdline "console=hvc0 panic=-1 quiet" \
    --container-request /tmp/request.json --ready-fd 3 --log /tmp/vmm.log $flags 3>/tmp/ready > /tmp/out 2>/tmp/err < /dev/null &
  vmm=$!
  read -r line < /tmp/ready
  [ "$line" = ok ] && agent_ctl --uds /tmp/vm/vsock.sock --container c1 start || { fail "$mode: pod sandbox: $line"; kill $vmm; }

  pod_request c2 c1 '["sh","-c","echo member in $(hostname); exit 5"]' > /tmp/member.json
  member c2 $flags
  [ "$(cat /tmp/mready.line)" = ok ] && ok "$mode: member ready line" || fail "$mode: member ready line '$(cat /tmp/mready.line)'"
  agent_ctl --uds /tmp/vm/vsock.sock --container c2 start || fail "$mode: member start"
  wait_member
  [ $rc -eq 5 ] && ok "$mode: the member's process exits with its 5" || { fail "$mode: member exit $rc"; cat /tmp/merr /tmp/member.log; }
  [ "$(cat /tmp/mout)" = "member in c1-host" ] && ok "$mode: the member's stdout, in the pod's UTS namespace" || fail "$mode: member stdout '$(cat /tmp/mout)'"
  grep -q "a pod's container, in the VM behind /tmp/vm/vsock.sock" /tmp/member.log && ok "$mode: the member's log" || { fail "$mode: member log"; cat /tmp/member.log; }

  pod_request c3 c1 '["nope"]' > /tmp/member.json
  member c3 $flags
  wait_member
  case "$(cat /tmp/mready.line)" in
    'error 127 exec: "nope": executable file not found in $PATH') ok "$mode: a member's create error on its ready fd" ;;
    *) fail "$mode: member ready line '$(cat /tmp/mready.line)'" ;;
  esac

  pod_request c4 c1 '["sh","-c","trap \"echo member-got-term; exit 9\" TERM; echo member-up; while true; do sleep 1; done"]' > /tmp/member.json
  member c4 $flags
  agent_ctl --uds /tmp/vm/vsock.sock --container c4 start || fail "$mode: c4 start"
  expect_line_soon /tmp/mout "^member-up$" 60
  kill -TERM $member
  wait_member
  [ $rc -eq 9 ] && grep -q member-got-term /tmp/mout && ok "$mode: SIGTERM to the member's process reaches its container" ||
    { fail "$mode: after SIGTERM: exit $rc, output '$(cat /tmp/mout)'"; cat /tmp/member.log; }
  # The members came and went: the pod's VM runs on, and a member's id is free again.
  kill -0 $vmm 2>/dev/null && ok "$mode: the pod's VM runs on after its members" || fail "$mode: the pod's VM ended"
  # SIGKILL to a member's process: the agent sees its connection close, kills the container
  # and frees its id (tried again for a while: that happens just after).
  pod_request c2 c1 '["sleep","3600"]' > /tmp/member.json
  member c2-sleeps $flags
  agent_ctl --uds /tmp/vm/vsock.sock --container c2 start || fail "$mode: c2 start"
  kill -KILL $member
  wait $member 2>/dev/null
  pod_request c2 c1 '["true"]' > /tmp/member.json
  for _ in $(seq 20); do
    member c2-again $flags
    [ "$(cat /tmp/mready.line)" = ok ] && break
    wait $member
    sleep 0.5
  done
  [ "$(cat /tmp/mready.line)" = ok ] && ok "$mode: a member whose process was killed is gone from the guest, its id free" ||
    fail "$mode: c2 again: '$(cat /tmp/mready.line)'"
  kill -TERM $member
  wait_member
  agent_ctl --uds /tmp/vm/vsock.sock --container c1 kill init 9
  wait $vmm
  rc=$?
  [ $rc -eq 137 ] && ok "$mode: the sandbox's end ends the pod's VM (137)" || { fail "$mode: pod VMM exit $rc"; tail -5 /tmp/vmm.log; }
done
umount /tmp/share

finish
