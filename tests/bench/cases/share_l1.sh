# shellcheck shell=bash
# The shared-file-system benchmark (issue 14), sourced by suite_l1.sh, whose helpers it uses
# (sample, progress, ms, timed runs, qemu_cmd, $W, $IMG, $VMM, $CMDLINE, $K_MIN, $K_OF, $QEMU_IRQ);
# bench_share runs it.
#   create  podman's `init` (the OCI runtime's create: ours boots the VM and waits for the
#           agent) of busybox vs the 512 MiB localhost/big:latest, ours vs crun; podman create,
#           start -a (`true`) and rm timed beside it
#   files   in a volume on L1's tmpfs: 256 MiB written with dd (conv=fsync) and 256 MiB read
#           (a file L1 wrote, so no guest has it cached), then FS_FILES small files created
#           (touch), stat'd and unlinked, one process per phase; ours (podman -v), our VMM
#           alone with QEMU's workload initramfs (ours-vmm: our kernel; ours-vmm-of: QEMU's),
#           crun (no VM) and QEMU pSeries with the same virtiofsd, same options, over
#           vhost-user-fs-pci; on request ours-ctr, our VMM's container mode alone (fs_ctr).
#           No container memory limit: ours' VM has its RAM plus headroom as memory.max (as
#           always), its virtiofsd (charged with the tmpfs pages it writes) none.
# The same workload script runs in every contender and times itself on its own clock
# (/proc/uptime, 10 ms steps; a guest's clock is L1's timebase), so no contender's console
# path counts. Its results are checked: dd's byte counts, the file counts, and the written
# file's size as L1 sees it.

FS_RUNS=${FS_RUNS:-3} CREATE_RUNS=${CREATE_RUNS:-5} FS_FILES=${FS_FILES:-2000} FS_MEM_MIB=${FS_MEM_MIB:-512}
FS_CONTENDERS=${FS_CONTENDERS:-ours ours-vmm ours-vmm-of qemu qemu-cg crun}  # run-suite.sh checked the names
FS_VOL=/tmp/bench-vol                  # L1's /tmp: tmpfs (the disk under L1 would time itself)
FS_BYTES=268435456                     # 256 MiB, both ways
VIRTIOFSD=/usr/lib/qemu/virtiofsd      # the shim's default ("virtiofsd" in its config)

# ---- create latency vs image size --------------------------------------------------------------
# create_once CONTENDER RUNTIME IMAGE_NAME IMAGE RUN: one container through podman's steps,
# each timed; the runtime's create is `podman init`.
create_once() {
  local who=$1 rt=$2 name=$3 image=$4 run=$5 c=bench-create t0 t1 t2 t3 t4 rc=0 step=create
  podman rm -f -t 0 $c >/dev/null 2>&1
  t0=$EPOCHREALTIME
  timeout 300 podman --runtime "$rt" create --network=none --name $c "$image" true </dev/null >/dev/null 2>$W/cr.err || rc=$?
  t1=$EPOCHREALTIME
  if [ $rc = 0 ]; then step=init; timeout 300 podman init $c </dev/null >/dev/null 2>$W/cr.err || rc=$?; fi
  t2=$EPOCHREALTIME
  if [ $rc = 0 ]; then step=start; timeout 300 podman start -a $c </dev/null >$W/cr.out 2>$W/cr.err || rc=$?; fi
  t3=$EPOCHREALTIME
  podman rm -f -t 0 $c >/dev/null 2>$W/cr.rm.err
  t4=$EPOCHREALTIME
  local a=(kind=create contender="$who" image="$name" run="$run" rc="$rc" podman_create_ms="$(ms $(( $(us $t1) - $(us $t0) )))")
  if [ $rc = 0 ]; then
    a+=(init_ms="$(ms $(( $(us $t2) - $(us $t1) )))" start_ms="$(ms $(( $(us $t3) - $(us $t2) )))"
        rm_ms="$(ms $(( $(us $t4) - $(us $t3) )))" total_ms="$(ms $(( $(us $t4) - $(us $t0) )))")
  else
    a+=(error="podman $step failed: $(tail -n 4 $W/cr.err | head -c 600)")
  fi
  sample "${a[@]}"
}

# ---- file throughput ---------------------------------------------------------------------------
# The workload (busybox sh, in the volume's root /v): FS-MARK lines carry the clock before and
# after each phase; FS-DD and FS-COUNT lines what each phase reports, checked by fs_sample.
fs_workload() {
  cat <<EOF
cd /v || { echo "FS-ERROR cannot enter /v"; exit 1; }
mark() { read -r up _ < /proc/uptime; echo "FS-MARK \$1 \$up"; }
names="" i=0
while [ \$i -lt $FS_FILES ]; do names="\$names s/f\$i"; i=\$((i + 1)); done
mkdir s || { echo "FS-ERROR mkdir"; exit 1; }
mark write
out=\$(dd if=/dev/zero of=wr bs=1M count=256 conv=fsync 2>&1); rc=\$?
mark write_end
echo "FS-DD write rc=\$rc" \$out
mark read
out=\$(dd if=rd of=/dev/null bs=1M 2>&1); rc=\$?
mark read_end
echo "FS-DD read rc=\$rc" \$out
mark create
touch \$names; rc=\$?
mark create_end
set -- s/f*; [ -e "\$1" ] || set --; echo "FS-COUNT create rc=\$rc files=\$#"
mark stat
stat -c %s \$names > /dev/null; rc=\$?
mark stat_end
echo "FS-COUNT stat rc=\$rc"
mark unlink
rm \$names; rc=\$?
mark unlink_end
set -- s/f*; [ -e "\$1" ] || set --; echo "FS-COUNT unlink rc=\$rc left=\$#"
rmdir s
echo "FS-END"
EOF
}

# ---- KVM's own counters while a run's guest lives ------------------------------------------------
# L1's KVM counts every guest exit by kind (debugfs: each file sums over the live VMs, so a run's
# numbers are read while its guest runs, the last reading up to a second before it ends). They
# tell where a gap lies independently of L1's speed, which drifts between runs: how many exits,
# how many of them the hypervisor decrementer's, external interrupts, and "ld", the guest
# instructions KVM fetched from guest memory to emulate an access (a kick that KVM's fast MMIO
# bus cannot take: an ioeventfd that must match the value written).
KVM_COUNTERS=(sum_exits dec_exits ext_intr_exits ld)  # sum_exits first: 0 there means no VM lives
KVM_DEBUGFS=${KVM_DEBUGFS:-/sys/kernel/debug/kvm}
# kvm_counters_watch OUT: until killed, every second: the counters as KEY=VALUE lines in OUT
# while a VM lives (L1 runs one guest at a time here), replaced whole (renamed into place): a
# sample read meanwhile finds the last reading, never a part of one.
kvm_counters_watch() {
  local f v lines
  while :; do
    lines=""
    for f in "${KVM_COUNTERS[@]}"; do
      read -r v 2>/dev/null < "$KVM_DEBUGFS/$f" || v=0
      lines+="$f=$v"$'\n'
    done
    [[ $lines == sum_exits=0$'\n'* ]] || { printf '%s' "$lines" > "$1.new" && mv -f "$1.new" "$1"; }
    sleep 1
  done
}
kvm_counters_start() { rm -f $W/kvm.counters $W/kvm.counters.new; kvm_counters_watch $W/kvm.counters & KVM_WATCH=$!; }
kvm_counters_stop() { kill "$KVM_WATCH" 2>/dev/null; wait "$KVM_WATCH" 2>/dev/null; }

# fs_prepare: the volume as every run finds it: the file to read, nothing else.
fs_prepare() {
  mkdir -p $FS_VOL
  find $FS_VOL -mindepth 1 ! -name rd -exec rm -rf {} + 2>/dev/null
  [ "$(stat -c %s $FS_VOL/rd 2>/dev/null)" = $FS_BYTES ] || head -c $FS_BYTES /dev/zero > $FS_VOL/rd
}

cs() { local t=${1/./}; echo $((10#$t)); }  # /proc/uptime's "123.45" -> centiseconds

# fs_sample CONTENDER RUN RC OUTPUT ERRORS...: one sample from a run's output: each phase's
# duration (ms, from the workload's own marks) and every check that failed.
fs_sample() {
  local who=$1 run=$2 rc=$3 out=$4 clean=$W/fs.clean p b e line
  shift 4
  local a=(kind=fs contender="$who" run="$run" rc="$rc" files="$FS_FILES" bytes="$FS_BYTES") bad=()
  tr -d '\r' < "$out" > $clean
  for p in write read create stat unlink; do
    b=$(sed -n "s/.*FS-MARK $p \([0-9]*\.[0-9]*\).*/\1/p" $clean | head -1)
    e=$(sed -n "s/.*FS-MARK ${p}_end \([0-9]*\.[0-9]*\).*/\1/p" $clean | head -1)
    if [ -n "$b" ] && [ -n "$e" ]; then a+=("${p}_ms=$(( ($(cs "$e") - $(cs "$b")) * 10 ))"); else bad+=("no $p marks"); fi
  done
  for p in write read; do
    line=$(grep -m1 "FS-DD $p " $clean)
    grep -q "rc=0 256+0 records in 256+0 records out" <<<"$line" || bad+=("dd $p: '${line:-no output}'")  # 256 x 1 MiB
  done
  grep -q "FS-COUNT create rc=0 files=$FS_FILES\$" $clean || bad+=("create: '$(grep -m1 'FS-COUNT create' $clean)'")
  grep -q "FS-COUNT stat rc=0\$" $clean || bad+=("stat: '$(grep -m1 'FS-COUNT stat' $clean)'")
  grep -q "FS-COUNT unlink rc=0 left=0\$" $clean || bad+=("unlink: '$(grep -m1 'FS-COUNT unlink' $clean)'")
  grep -q "FS-END" $clean || bad+=("no FS-END")
  local size; size=$(stat -c %s $FS_VOL/wr 2>/dev/null)
  [ "$size" = $FS_BYTES ] || bad+=("L1 sees wr of '${size:-no file}' bytes")
  # Our VMM alone (--stats): its exits to userspace by reason, for where a gap lies.
  local stats; stats=$(cat "$@" 2>/dev/null | sed -n 's/.*stats: exits: \(.*\)/\1/p' | head -1)
  [ -n "$stats" ] && a+=(exits="$stats")
  local kv
  if [ -s $W/kvm.counters ]; then while read -r kv; do a+=("kvm_$kv"); done < $W/kvm.counters; fi
  if [ ${#bad[@]} -gt 0 ]; then
    a+=(error="$(IFS=';'; echo "${bad[*]}"); output: $(grep -v 'FS-MARK' $clean | tail -n 5 | tr '\n' ' ' | head -c 400); stderr: $(cat "$@" 2>/dev/null | tail -n 5 | tr '\n' ' ' | head -c 600)")
  fi
  sample "${a[@]}"
}

# fs_podman CONTENDER RUNTIME RUN [PODMAN_ARGS...]: the workload in a container with the volume
# at /v, a guest of FS_MEM_MIB (ours: the annotation; crun ignores it).
fs_podman() {
  local rc=0 who=$1 rt=$2 run=$3
  shift 3
  fs_prepare
  timeout 900 podman --runtime "$rt" run --rm --network=none "$@" --annotation io.ppc-kvm.memory=${FS_MEM_MIB}M \
    -v $FS_VOL:/v "$IMG" sh -c "$(fs_workload)" </dev/null >$W/fs.out 2>$W/fs.err || rc=$?
  fs_sample "$who" "$run" $rc $W/fs.out $W/fs.err
}

# fs_podman_cold RUN: ours with the shim's templates off for the one run (each guest boots
# cold), its host settings put back afterwards.
fs_podman_cold() {
  local conf=/etc/ppc-kvm-shim/config.json
  cp $conf $W/conf.keep
  sed -i '1s/^{/{"templates": 0, /' $conf
  if grep -q '"templates": 0' $conf; then
    fs_podman ours-cold ppc-kvm-shim "$1"
  else
    sample kind=fs contender=ours-cold run="$1" rc=1 error="could not turn the templates off in $conf"
  fi
  cp $W/conf.keep $conf
}

# ---- cgroups shaped like the shim's ---------------------------------------------------------
# The shim runs a container's VMM in the engine's cgroup for it (podman: below libpod_parent),
# memory.max its RAM plus headroom, and virtiofsd in the sibling "<that>.virtiofsd"
# (shim/vm/container_cgroup.h); QEMU and our VMM alone run in L1's root cgroup unless a
# contender asks for these, so that a gap between ours and QEMU can be told from what being
# accounted in cgroups costs any VMM and daemon (as a QEMU-based runtime's would be).
FS_CG_PARENT=/sys/fs/cgroup/libpod_parent

# fs_cgroups_make NAME HEADROOM_MIB: $FS_CG_PARENT/NAME and NAME.virtiofsd with the controllers
# handed down as the shim hands them; prints the VM's cgroup, or fails with $W/cg.err saying why.
fs_cgroups_make() {
  local cg=$FS_CG_PARENT/$1 c
  {
    mkdir -p $FS_CG_PARENT &&
      for c in /sys/fs/cgroup $FS_CG_PARENT; do echo "+memory +cpu +pids" > $c/cgroup.subtree_control || return 1; done &&
      mkdir -p $cg $cg.virtiofsd &&
      echo $(( (FS_MEM_MIB + $2) << 20 )) > $cg/memory.max && echo 128 > $cg/pids.max && echo 32 > $cg.virtiofsd/pids.max
  } 2>$W/cg.err || return 1
  echo $cg
}
# fs_cgroups_failed CONTENDER RUN: the sample of a contender whose cgroups could not be made.
fs_cgroups_failed() { sample kind=fs contender="$1" run="$2" rc=1 error="cgroups: $(head -c 300 $W/cg.err)"; }
fs_cgroups_remove() { rmdir "$1" "$1.virtiofsd" 2>/dev/null; }
# IN_CGROUP DIR COMMAND...: runs COMMAND in the cgroup DIR (a command, so timeout can run it).
IN_CGROUP=(sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"')

# fs_qemu CONTENDER RUN [cgroups]: QEMU pSeries (KVM, the same interrupt controller as the boot
# runs) with the shim's virtiofsd started as the VMM starts it (virtiofsd.cpp's options; a socket
# path for its --fd), guest RAM a shared memfd (vhost-user needs it), the workload from the
# initramfs; with "cgroups", QEMU and virtiofsd each in theirs (QEMU's memory.max with more
# headroom than our VMM's: QEMU itself is larger; the limit is never reached, only accounted).
fs_qemu() {
  local who=$1 run=$2 rc=0 vpid cg="" wrap=()
  fs_prepare
  rm -f $W/vfs.sock $W/qfs.console
  if [ "${3:-}" = cgroups ]; then
    cg=$(fs_cgroups_make bench-qemu 256) || { fs_cgroups_failed "$who" "$run"; return; }
    wrap=("${IN_CGROUP[@]}" "$cg.virtiofsd")
  fi
  "${wrap[@]}" $VIRTIOFSD --socket-path=$W/vfs.sock -o source=$FS_VOL -o cache=auto -o announce_submounts -o xattr \
    -o log_level=warn --thread-pool-size=1 </dev/null >$W/vfsd.log 2>&1 &
  vpid=$!
  for _ in $(seq 100); do [ -S $W/vfs.sock ] && break; sleep 0.1; done
  [ -z "$cg" ] || wrap=("${IN_CGROUP[@]}" "$cg")
  eval "timeout 900 \"\${wrap[@]}\" $(qemu_cmd "$K_OF" $W/fs-guest.cpio ${FS_MEM_MIB}M \
    -object memory-backend-memfd,id=mem,size=${FS_MEM_MIB}M,share=on -machine memory-backend=mem \
    -chardev socket,id=vfs,path=$W/vfs.sock -device vhost-user-fs-pci,chardev=vfs,tag=bench \
    -serial file:$W/qfs.console)" '</dev/null >$W/qfs.err 2>&1' || rc=$?
  kill $vpid 2>/dev/null; wait $vpid 2>/dev/null
  fs_sample "$who" "$run" $rc $W/qfs.console $W/qfs.err $W/vfsd.log
  [ -z "$cg" ] || fs_cgroups_remove "$cg"
}

# fs_vmm CONTENDER KERNEL RUN [cgroups]: the workload from the same initramfs as QEMU's, in a
# guest of our VMM alone (no shim, podman or container): the VMM starts virtiofsd on the volume
# itself. Beside fs_podman's, it tells the VMM's and transport's share of a gap from the
# container's (its cgroup, seccomp filter, namespaces and bind of the volume in the guest); with
# $K_OF it runs QEMU's kernel, which tells the kernel build's share too; with "cgroups", the VMM
# and virtiofsd in cgroups as the shim makes them (the VMM puts the daemon in its own).
fs_vmm() {
  local rc=0 cg="" wrap=() daemon=()
  fs_prepare
  rm -f $W/vfs.console
  if [ "${4:-}" = cgroups ]; then
    cg=$(fs_cgroups_make bench-vmm 64) || { fs_cgroups_failed "$1" "$3"; return; }
    wrap=("${IN_CGROUP[@]}" "$cg"); daemon=(--virtiofsd-cgroup "$cg.virtiofsd")
  fi
  timeout 900 "${wrap[@]}" "$VMM" --kernel "$2" --initrd $W/fs-guest.cpio --memory ${FS_MEM_MIB}M --vcpus 1 --cmdline "$CMDLINE" \
    --fs-share $FS_VOL --fs-tag bench --virtiofsd $VIRTIOFSD "${daemon[@]}" --console $W/vfs.console --stats \
    </dev/null >$W/vfs.out 2>$W/vfs.err || rc=$?
  fs_sample "$1" "$3" $rc $W/vfs.console $W/vfs.err
  [ -z "$cg" ] || fs_cgroups_remove "$cg"
}

# fs_ctr CONTENDER RUN: the workload in a container of our VMM's own container mode, booted cold: the
# agent's initramfs, the container's root (the e2e busybox root) in the VM's share and the volume
# bound beside it (the shim binds a volume into the share too), the VMM and virtiofsd in cgroups
# as the shim makes them; no shim, podman or conmon. Between ours and ours-vmm-cg it tells the
# guest's container path and the VMM's container mode (agent, vsock, share layout) from the
# host's (shim, podman, conmon).
FS_CTR=$W/ctr
fs_ctr() {
  local who=$1 run=$2 d=$FS_CTR rc=0 cg
  fs_prepare
  cg=$(fs_cgroups_make bench-ctr 64) || { fs_cgroups_failed "$who" "$run"; return; }
  mkdir -p $d/share/c/vol
  if [ ! -e $d/share/c/root/bin/busybox ]; then
    mkdir -p $d/share/c/root && tar -C $d/share/c/root -xf /usr/share/e2e/busybox-rootfs.tar && mkdir -p $d/share/c/root/v
  fi
  fs_workload > $d/share/c/root/work.sh
  mountpoint -q $d/share || { mount --bind $d/share $d/share && mount --make-shared $d/share; }
  mount --bind $FS_VOL $d/share/c/vol
  ctr_vmm_run $d $W/c-request.json "${IN_CGROUP[@]}" "$cg" $VMM --kernel "$K_MIN" --initrd $W/c-agent.cpio \
    --cmdline "$CMDLINE" --memory ${FS_MEM_MIB}M --vcpus 1 --virtiofsd $VIRTIOFSD --virtiofsd-cgroup "$cg.virtiofsd" || rc=$?
  umount $d/share/c/vol
  fs_sample "$who" "$run" $rc $d/out $d/err $d/vmm.log $d/start.err
  fs_cgroups_remove "$cg"
}

# fs_ctr_prepare: ours-ctr's agent initramfs and container request (busybox applets by PATH, a
# /dev with the default devices, the volume at /v), once.
fs_ctr_prepare() {
  agent_initramfs $W/c-agent.cpio || { sample kind=fs_setup \
    error="ours-ctr: ppc-kvm-rootfs failed: $(tail -n 3 $W/agent-initramfs.err | tr '\n' ' ' | head -c 300)"; return 1; }
  cat > $W/c-request.json <<'JSON'
{"container_id":"c","hostname":"","shared_fs_tag":"ppc-kvm-share","sandbox_id":"","config":{"ociVersion":"1.0.2",
 "root":{"path":"/share/c/root"},"process":{"args":["/bin/busybox","sh","/work.sh"],"cwd":"/","user":{"uid":0,"gid":0},
 "env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
 "mounts":[{"destination":"/proc","type":"proc","source":"proc"},
           {"destination":"/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","strictatime","mode=755","size=65536k"]},
           {"destination":"/v","type":"bind","source":"/share/c/vol","options":["rbind","rw"]}],
 "linux":{"namespaces":[{"type":"mount"},{"type":"pid"},{"type":"ipc"},{"type":"uts"}]}}}
JSON
}

# ---- the engine beside a run ------------------------------------------------------------------
# Ours' guest runs while `podman run` waits attached to it and conmon watches it: an attached
# podman took 3 % of one of L1's two CPUs throughout a run (stop 49's probe), on the CPUs the
# guest and virtiofsd use. A peer run bare is spared what every runtime under the engine pays.
# engine_idle_start starts an idle, attached `podman run` (crun: no VM) to stand beside a
# contender's run; engine_idle_stop removes it.
ENGINE_IDLE=bench-engine-idle
engine_idle_start() {
  local _
  podman rm -f -t 0 $ENGINE_IDLE >/dev/null 2>&1
  podman --runtime crun run --rm --network=none --name $ENGINE_IDLE "$IMG" sleep 100000 </dev/null >/dev/null 2>$W/idle.err &
  ENGINE_IDLE_PID=$!
  for _ in $(seq 150); do
    [ "$(podman inspect -f '{{.State.Running}}' $ENGINE_IDLE 2>/dev/null)" = true ] && return 0
    kill -0 $ENGINE_IDLE_PID 2>/dev/null || break
    sleep 0.2
  done
  return 1
}
engine_idle_stop() { podman rm -f -t 0 $ENGINE_IDLE >/dev/null 2>&1; wait "$ENGINE_IDLE_PID" 2>/dev/null; }
# beside_engine CONTENDER RUN COMMAND...: COMMAND (one contender's run) with the idle engine
# beside it, or a failed sample saying why it could not start.
beside_engine() {
  local who=$1 run=$2
  shift 2
  if engine_idle_start; then "$@"
  else sample kind=fs contender="$who" run="$run" rc=1 \
    error="the idle podman run beside it did not start: $(tail -n 3 $W/idle.err | tr '\n' ' ' | head -c 300)"; fi
  engine_idle_stop
}

bench_share() {
  progress "share: create latency, $CREATE_RUNS runs (+ a first one apart) per runtime and image"
  local i img rt who
  for i in $(seq 0 "$CREATE_RUNS"); do
    for img in busybox big; do
      for rt in ppc-kvm-shim crun; do
        who=ours; [ $rt = crun ] && who=crun
        if [ $img = big ]; then create_once $who $rt big localhost/big:latest "$i"; else create_once $who $rt busybox "$IMG" "$i"; fi
      done
    done
  done

  progress "share: file throughput, $FS_RUNS runs each ($FS_CONTENDERS, interleaved), $FS_FILES small files"
  fs_workload > $W/fs-work.sh
  printf '%s\n' '/bin/busybox mount -t proc proc /proc' '/bin/busybox --install -s /bin' 'export PATH=/bin' \
    'mount -t devtmpfs devtmpfs /dev' \
    'mkdir -p /v' 'if mount -t virtiofs bench /v; then sh /bin/fs-work.sh; else echo "FS-ERROR mount: $(dmesg | tail -n 3)"; fi' \
    'poweroff -f' | make_initramfs $W/fs-guest.cpio $W/fs-work.sh
  sample kind=fs_setup virtiofsd="$($VIRTIOFSD --version 2>&1 | head -1)" volume_fs="$(stat -f -c %T /tmp)" \
    guest_mib="$FS_MEM_MIB" qemu_kernel="$(basename "$K_OF")" vmm_kernel="$(basename "$K_MIN")" \
    ours_kernel="$(k=$(sed -n 's/.*"kernel": *"\([^"]*\)".*/\1/p' /etc/ppc-kvm-shim/config.json); echo "${k:-/usr/share/ppc-kvm-shim/guest-vmlinux}")"
  local who k
  if [[ " $FS_CONTENDERS " == *" ours-ctr"* ]]; then
    fs_ctr_prepare || { FS_CONTENDERS=${FS_CONTENDERS//ours-ctr-bg/}; FS_CONTENDERS=${FS_CONTENDERS//ours-ctr/}; }
  fi
  local -a order round
  read -r -a order <<< "$FS_CONTENDERS"
  for i in $(seq "$FS_RUNS"); do
    # Round i starts at the i-th contender: none always follows the same one, so that what a run
    # leaves behind as it ends (a VM's teardown, the engine's clean-up) falls on each in turn.
    round=()
    for ((k = 0; k < ${#order[@]}; k++)); do round+=("${order[(k + i - 1) % ${#order[@]}]}"); done
    progress "share: round $i: ${round[*]}"
    for who in "${round[@]}"; do
      kvm_counters_start
      case $who in
        ours) fs_podman ours ppc-kvm-shim "$i" ;;
        ours-cold) fs_podman_cold "$i" ;;
        ours-nosec) fs_podman ours-nosec ppc-kvm-shim "$i" --security-opt seccomp=unconfined ;;
        ours-vmm) fs_vmm ours-vmm "$K_MIN" "$i" ;;
        ours-vmm-cg) fs_vmm ours-vmm-cg "$K_MIN" "$i" cgroups ;;
        ours-ctr) fs_ctr ours-ctr "$i" ;;
        ours-ctr-bg) beside_engine ours-ctr-bg "$i" fs_ctr ours-ctr-bg "$i" ;;
        qemu-bg) beside_engine qemu-bg "$i" fs_qemu qemu-bg "$i" cgroups ;;
        ours-vmm-of) fs_vmm ours-vmm-of "$K_OF" "$i" ;;
        qemu) fs_qemu qemu "$i" ;;
        qemu-cg) fs_qemu qemu-cg "$i" cgroups ;;
        crun) fs_podman crun crun "$i" ;;
      esac
      kvm_counters_stop
    done
  done
  # Never removed through a mount: the volume's bind and the share's own are undone first.
  if mountpoint -q $FS_CTR/share/c/vol; then umount $FS_CTR/share/c/vol; fi
  if mountpoint -q $FS_CTR/share; then umount $FS_CTR/share; fi
  rm -rf --one-file-system $FS_VOL $FS_CTR
}
