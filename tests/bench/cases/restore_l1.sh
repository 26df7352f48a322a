# shellcheck shell=bash
# The restore benchmark (issue 19), sourced by suite_l1.sh, whose helpers it uses (sample,
# progress, us, ms, $VMM, $W, $K_MIN, $CMDLINE); bench_restore runs it.
# A container's VM as ppc-kvm-shim runs it (the VMM's container mode: an agent-only initramfs,
# the container's root in the VM's share, virtio-fs and vsock, 256 MiB, 1 vCPU, `echo hi`),
# cold-booted vs restored from a template, interleaved run by run: from the fork until the
# agent has created the container (the ready line: what `create` waits for), and until "hi"
# came out and the guest powered off after the container's start. The template is made once
# (--save-when-ready), timed apart. The VMM alone: the shim does not restore yet.
RESTORE_RUNS=${RESTORE_RUNS:-5}
R_MEM=256M

# restore_once CONTENDER RUN VMM_ARGS...: one container, in a share of its own.
restore_once() {
  local who=$1 run=$2 d=$W/r-run rc=0 line t0 t_ready t_end pid
  shift 2
  rm -rf $d && mkdir -p $d/share/c/root && tar -C $d/share/c/root -xf /usr/share/e2e/busybox-rootfs.tar
  mount --bind $d/share $d/share && mount --make-shared $d/share
  rm -f $W/r.ready && mkfifo $W/r.ready
  t0=$EPOCHREALTIME
  $VMM "$@" --memory $R_MEM --vcpus 1 --vsock-uds $d/v.sock --fs-share $d/share --console $d/console.log \
    --container-request $W/r-request.json --ready-fd 3 --log $d/vmm.log 3>$W/r.ready >$d/out 2>$d/err </dev/null &
  pid=$!
  read -r line < $W/r.ready
  t_ready=$EPOCHREALTIME
  if [ "$line" = ok ]; then
    "$E2E_BIN/agent_ctl" --uds $d/v.sock --container c start 2>$d/start.err || rc=$?
  fi
  wait $pid || rc=$?
  t_end=$EPOCHREALTIME
  local a=(kind=restore contender="$who" run="$run" rc="$rc" ready_ms="$(ms $(( $(us $t_ready) - $(us $t0) )))"
           total_ms="$(ms $(( $(us $t_end) - $(us $t0) )))")
  local copy
  copy=$(sed -n 's/.*restore: \([0-9]*\) MiB of saved RAM copied into shared memory in \([0-9]*\) ms.*/\1 \2/p' $d/vmm.log)
  [ -n "$copy" ] && a+=(ram_copied_mib="${copy% *}" ram_copy_ms="${copy#* }")
  local vhost
  vhost=$(sed -n 's/.*virtio-fs: vhost-user set-up done in \([0-9]*\) ms.*/\1/p' $d/vmm.log | head -1)
  [ -n "$vhost" ] && a+=(virtiofsd_setup_ms="$vhost")
  if [ "$line" != ok ] || [ "$(tr -d '\r' < $d/out)" != hi ]; then
    a+=(ok=0 error="ready '$line', stdout '$(head -c 100 $d/out)', log: $(tail -n 3 $d/vmm.log | tr '\n' ' ' | head -c 400)")
  else a+=(ok=1); fi
  sample "${a[@]}"
  umount $d/share
}

bench_restore() {
  progress "restore: a template, then $RESTORE_RUNS runs each, cold vs restored"
  local t0 rc=0
  mkdir -p $W/r-empty $W/rt-share
  "$E2E_BIN/ppc-kvm-rootfs" --agent /usr/libexec/ppc-kvm-shim/ppc-kvm-agent --rootfs $W/r-empty -o $W/r-agent.cpio ||
    { sample kind=restore_template error="ppc-kvm-rootfs failed"; return; }
  cat > $W/r-request.json <<'JSON'
{"container_id":"c","hostname":"","shared_fs_tag":"ppc-kvm-share","sandbox_id":"","config":{"ociVersion":"1.0.2",
 "root":{"path":"/share/c/root"},"process":{"args":["echo","hi"],"cwd":"/","user":{"uid":0,"gid":0},"env":["PATH=/bin"]},
 "mounts":[{"destination":"/proc","type":"proc","source":"proc"}],"linux":{"namespaces":[{"type":"mount"}]}}}
JSON
  rm -rf $W/r-template
  t0=$EPOCHREALTIME
  $VMM --kernel "$K_MIN" --initrd $W/r-agent.cpio --memory $R_MEM --vcpus 1 --cmdline "$CMDLINE" --vsock-uds $W/rt.sock \
    --fs-share $W/rt-share --console $W/rt.console --snapshot-to $W/r-template --save-when-ready 2>$W/rt.err || rc=$?
  local a=(kind=restore_template rc="$rc" ms="$(ms $(( $(us $EPOCHREALTIME) - $(us $t0) )))")
  if [ $rc = 0 ]; then
    a+=(ram_on_disk_kib="$(du -k $W/r-template/ram | cut -f1)")
  else a+=(error="$(tail -n 3 $W/rt.err | tr '\n' ' ' | head -c 400)"); fi
  sample "${a[@]}"
  [ $rc = 0 ] || return
  for i in $(seq "$RESTORE_RUNS"); do
    restore_once cold "$i" --kernel "$K_MIN" --initrd $W/r-agent.cpio --cmdline "$CMDLINE"
    restore_once restored "$i" --restore-from $W/r-template
  done
}
