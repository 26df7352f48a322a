# Runs in L1: the VMM's container mode, as ppc-kvm-shim uses it: --container-request with the
# agent's CreateContainer, a ready line on --ready-fd, the container's stdio as the VMM's own,
# and the VMM's exit status the container's. With the jail (the supervisor thread in the outer
# process) and without it (in the VMM process).
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
      agent_ctl --uds /tmp/vm/vsock.sock start || fail "$name: start"
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
finish
