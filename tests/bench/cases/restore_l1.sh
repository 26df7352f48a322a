# shellcheck shell=bash
# The restore benchmark (issue 19), sourced by suite_l1.sh, whose helpers it uses (sample,
# progress, fail, us, ms, timed_cmd, mkbundle, children_of, mem_available_kib, $VMM, $SHIM, $SROOT,
# $W, $IMG, $K_MIN, $CMDLINE, $DENSITY_RESERVE_MIB); bench_restore runs it. Four parts:
#   vmm     A container's VM as ppc-kvm-shim runs it (the VMM's container mode: an agent-only
#           initramfs, the container's root in the VM's share, virtio-fs and vsock, 256 MiB,
#           1 vCPU, `echo hi`), cold-booted vs restored from a template, interleaved run by
#           run: from the fork until the agent has created the container (the ready line: what
#           `create` waits for), and until "hi" came out and the guest powered off after the
#           container's start. The template is made once (--save-when-ready), timed apart. The
#           VMM alone, without the shim.
#   run     `ppc-kvm-shim run` of the start section's busybox bundle (`echo hi`): ours cold (the
#           host setting "templates": 0), ours restored ("templates" on, the shim's own
#           template store) and `crun run`, interleaved, RESTORE_RUNS times each after a run 0
#           apart (for ours restored it makes the template).
#   podman  `podman run --rm --network=none $IMG echo hi` with --runtime ppc-kvm-shim cold and
#           restored, and with crun: the same way.
#   memory  RESTORE_GUESTS idle containers (`sleep`, detached, RESTORE_MEM_MIB by annotation)
#           started cold, measured, deleted; then the same restored: what they cost L1.
# The shim's mode is its host settings file (/etc/ppc-kvm-shim/config.json, which podman's
# runs of the shim read too: conmon does not pass PPC_KVM_SHIM_CONFIG on): the suite's file
# plus "templates" and "template_dir" (RESTORE_TEMPLATE_DIR, emptied first so that run 0
# really makes the template), copied into place before each run and put back at the end.
# Every run of ours is checked to be what it claims: its VMM's log (<root>/<id>/vmm.log) has
# the machine line "..., restored from <template>" for a restored guest and "..., kernel
# <file> ..." for a cold one. A run that is not is a failed sample (ok=0, its error says
# why) and a FAIL line, never a number in the medians.
RESTORE_RUNS=${RESTORE_RUNS:-5} RESTORE_GUESTS=${RESTORE_GUESTS:-16} RESTORE_MEM_MIB=${RESTORE_MEM_MIB:-256}
RESTORE_TEMPLATE_DIR=${RESTORE_TEMPLATE_DIR:-/var/lib/ppc-kvm-shim/bench-templates}
R_MEM=256M
R_TEMPLATES=8                            # the shim's default: room for every shape used here
R_CONF=/etc/ppc-kvm-shim/config.json
R_PODMAN_ROOT=/run/ppc-kvm-shim          # the shim's default --root: podman passes none
R_KEEP=/run/bench-restore-logs           # on /run, as both roots: kept logs are hard links
R_RESTORED='restored from '              # the VMM's machine line (vmm/pseries/machine.cpp)
R_COLD='MiB, kernel '

# restore_once CONTENDER RUN VMM_ARGS...: one container, in a share of its own.
restore_once() {
  local who=$1 run=$2 d=$W/r-run rc=0 t0 t_end
  shift 2
  rm -rf $d && mkdir -p $d/share/c/root && tar -C $d/share/c/root -xf /usr/share/e2e/busybox-rootfs.tar
  mount --bind $d/share $d/share && mount --make-shared $d/share
  t0=$EPOCHREALTIME
  ctr_vmm_run $d $W/r-request.json $VMM "$@" --memory $R_MEM --vcpus 1 || rc=$?
  t_end=$EPOCHREALTIME
  local a=(kind=restore contender="$who" run="$run" rc="$rc" ready_ms="$(ms $(( $(us $CTR_T_READY) - $(us $t0) )))"
           total_ms="$(ms $(( $(us $t_end) - $(us $t0) )))")
  local copy
  copy=$(sed -n 's/.*restore: \([0-9]*\) MiB of saved RAM copied into shared memory in \([0-9]*\) ms.*/\1 \2/p' $d/vmm.log)
  [ -n "$copy" ] && a+=(ram_copied_mib="${copy% *}" ram_copy_ms="${copy#* }")
  local vhost
  vhost=$(sed -n 's/.*virtio-fs: vhost-user set-up done in \([0-9]*\) ms.*/\1/p' $d/vmm.log | head -1)
  [ -n "$vhost" ] && a+=(virtiofsd_setup_ms="$vhost")
  if [ "$CTR_READY" != ok ] || [ "$(tr -d '\r' < $d/out)" != hi ]; then
    a+=(ok=0 error="ready '$CTR_READY', stdout '$(head -c 100 $d/out)', log: $(tail -n 3 $d/vmm.log | tr '\n' ' ' | head -c 400)")
  else a+=(ok=1); fi
  sample "${a[@]}"
  umount $d/share
}

# ---- vmm: the VMM alone ------------------------------------------------------------------------
restore_vmm() {
  progress "restore (VMM alone): a template, then $RESTORE_RUNS runs each, cold vs restored"
  local t0 rc=0
  mkdir -p $W/rt-share
  agent_initramfs $W/r-agent.cpio || { sample kind=restore_template \
    error="ppc-kvm-rootfs failed: $(tail -n 3 $W/agent-initramfs.err | tr '\n' ' ' | head -c 300)"; return; }
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
  rm -rf $W/r-template
}

# ---- the shim's mode and the check of each run ---------------------------------------------------
# r_settings: $W/r-config.cold and .restored, the suite's host settings with "templates" 0 or
# R_TEMPLATES (added last, where they win) and the bench's template store; the suite's file
# kept as $W/r-config.saved for r_settings_back.
r_settings() {
  local body mode n
  body=$(cat $R_CONF 2>/dev/null) && cp $R_CONF $W/r-config.saved || return 1
  body=${body%\}}
  for mode in cold restored; do
    n=$R_TEMPLATES; [ $mode = cold ] && n=0
    printf '%s, "templates": %s, "template_dir": "%s"}\n' "$body" "$n" "$RESTORE_TEMPLATE_DIR" > $W/r-config.$mode
  done
}
r_use() { cp $W/r-config.$1 $R_CONF && cmp -s $W/r-config.$1 $R_CONF; }  # r_use cold|restored
r_settings_back() { [ -f $W/r-config.saved ] && cp $W/r-config.saved $R_CONF; }
r_templates() { find "$RESTORE_TEMPLATE_DIR" -mindepth 1 -maxdepth 1 -type d -regex '.*/[0-9a-f]*' 2>/dev/null | wc -l; }
r_store_kib() { du -sk "$RESTORE_TEMPLATE_DIR" 2>/dev/null | cut -f1 | grep . || echo 0; }  # 0: no store

# r_guest_of LOG: what the VMM's log says the guest was: restored, cold, or none (no machine line).
r_guest_of() {
  # Cold first: a restore that failed is followed by a cold boot in the same log.
  if grep -q -- "$R_COLD" "$1" 2>/dev/null; then echo cold
  elif grep -q -- "$R_RESTORED" "$1" 2>/dev/null; then echo restored
  else echo none; fi
}

# r_keeper ROOT...: in the background while ours runs, hard-links each container's vmm.log
# under a ROOT to $R_KEEP/<id>.log as soon as it appears (once per id; the ids there at the
# start are only noted): `run` and `podman run --rm` delete the container, its state
# directory with it, but the link keeps the file, and what the VMM writes later too. A
# builtin read with a time-out on a FIFO is its clock: no process per tick.
r_keeper() {
  local f id r tick first=1
  declare -A seen=()
  rm -f $W/r-tick && mkfifo $W/r-tick && exec {tick}<>$W/r-tick
  while :; do
    for r in "$@"; do
      for f in "$r"/*/vmm.log; do
        [ -e "$f" ] || continue
        id=${f%/vmm.log} id=${id##*/}
        [ -n "${seen[$id]:-}" ] && continue
        seen[$id]=1
        [ $first = 1 ] || ln "$f" "$R_KEEP/$id.log" 2>>$R_KEEP/.errors
      done
    done
    [ $first = 1 ] && { first=0; : > $R_KEEP/.ready; }
    read -r -t 0.1 -u $tick _
  done
}

# r_check: TIMED_CHECK of timed_cmd for ours: the guest the run's vmm.log names ($R_ID's kept
# log, or with R_ID empty the one new log: podman names the container) against $R_WANT
# (cold, restored, or any for run 0); adds guest=... and the restore's RAM copy to the sample.
r_check() {
  local logs=() log got copy
  if [ -n "${R_ID:-}" ]; then [ -e "$R_KEEP/$R_ID.log" ] && logs=("$R_KEEP/$R_ID.log")
  else for log in "$R_KEEP"/*.log; do [ -e "$log" ] && logs+=("$log"); done; fi
  if [ ${#logs[@]} != 1 ]; then
    extra+=(guest=unknown)
    why="${#logs[@]} new vmm.log under $SROOT and $R_PODMAN_ROOT, not one: cannot tell cold from restored $(head -c 200 $R_KEEP/.errors 2>/dev/null)"
  else
    got=$(r_guest_of "${logs[0]}")
    extra+=(guest="$got" templates="$(r_templates)")
    copy=$(sed -n 's/.*restore: \([0-9]*\) MiB of saved RAM copied into shared memory in \([0-9]*\) ms.*/\1 \2/p' "${logs[0]}" | head -1)
    [ -n "$copy" ] && extra+=(ram_copied_mib="${copy% *}" ram_copy_ms="${copy#* }")
    if [ "$R_WANT" != any ] && [ "$got" != "$R_WANT" ]; then
      why="wanted a $R_WANT guest, its vmm.log says $got: $(grep -m1 'vCPU(s)' "${logs[0]}" | head -c 300)"
    fi
  fi
  if [ -n "$why" ]; then fail "restore: $kind $who run $run: $why"; fi
}

# r_timed KIND CONTENDER RUN MODE COMMAND...: timed_cmd, ours with the host settings of MODE
# (cold, restored) and checked by r_check, crun (MODE none) as it is.
r_timed() {
  local kind=$1 who=$2 run=$3 mode=$4
  shift 4
  if [ "$mode" = none ]; then timed_cmd "$kind" "$who" "$run" hi "$@"; return; fi
  if ! r_use "$mode"; then
    sample kind="$kind" contender="$who" run="$run" ok=0 error="could not write the $mode host settings to $R_CONF"
    return
  fi
  rm -f "$R_KEEP"/*.log
  R_WANT=$mode; [ "$run" = 0 ] && [ "$mode" = restored ] && R_WANT=any  # run 0 makes the template
  TIMED_CHECK=r_check timed_cmd "$kind" "$who" "$run" hi "$@"
}

# ---- run and podman ------------------------------------------------------------------------------
restore_shim() {
  local i id keeper t0 t_ms
  progress "restore (shim): ppc-kvm-shim run and podman run --rm, cold vs restored vs crun, run 0 + $RESTORE_RUNS each"
  mkdir -p $R_KEEP && rm -f $R_KEEP/* $R_KEEP/.ready $R_KEEP/.errors
  r_keeper "$SROOT" "$R_PODMAN_ROOT" &
  keeper=$!
  for _ in $(seq 50); do [ -e $R_KEEP/.ready ] && break; sleep 0.1; done
  for i in $(seq 0 "$RESTORE_RUNS"); do
    R_ID=rs-cold-$i r_timed restore_start shim-run-cold "$i" cold $SHIM --root $SROOT run --bundle $W/b-echo rs-cold-$i
    t0=$EPOCHREALTIME
    R_ID=rs-restored-$i r_timed restore_start shim-run-restored "$i" restored $SHIM --root $SROOT run --bundle $W/b-echo rs-restored-$i
    if [ "$i" = 0 ]; then
      # Run 0 of ours restored made the template (or failed to): what it left in the store.
      t_ms=$(ms $(( $(us $EPOCHREALTIME) - $(us $t0) )))
      sample kind=restore_shim_template shape=echo warmup_ms="$t_ms" templates="$(r_templates)" \
        store_kib="$(r_store_kib)" dir="$RESTORE_TEMPLATE_DIR"
    fi
    timed_cmd restore_start crun-run "$i" hi crun run --bundle $W/b-echo rs-crun-$i
    for id in rs-cold-$i rs-restored-$i; do $SHIM --root $SROOT delete --force $id >/dev/null 2>&1; done
    crun delete --force rs-crun-$i >/dev/null 2>&1
  done
  # podman: run 0 also pays podman's first use of its storage for each runtime.
  for i in $(seq 0 "$RESTORE_RUNS"); do
    R_ID="" r_timed restore_start podman-ours-cold "$i" cold podman --runtime ppc-kvm-shim run --rm --network=none $IMG echo hi
    R_ID="" r_timed restore_start podman-ours-restored "$i" restored podman --runtime ppc-kvm-shim run --rm --network=none $IMG echo hi
    timed_cmd restore_start podman-crun "$i" hi podman --runtime crun run --rm --network=none $IMG echo hi
  done
  kill $keeper 2>/dev/null; wait $keeper 2>/dev/null
  rm -rf $R_KEEP
}

# ---- memory of RESTORE_GUESTS guests -------------------------------------------------------------
# r_tree PID: PID and its descendants (the jail's supervisor, the VMM in the jail, virtiofsd).
r_tree() { local c; echo "$1"; for c in $(children_of "$1"); do r_tree "$c"; done; }
meminfo_kib() { sed -n "s/^$1: *\([0-9]*\).*/\1/p" /proc/meminfo; }

# r_memory MODE: RESTORE_GUESTS containers started one after the other (each checked cold or
# restored by its vmm.log), 5 s to settle, then what they cost: the drop of L1's MemAvailable
# since before the first (the host's view: guest RAM, the VMMs, virtiofsd, KVM's and the
# kernel's own memory; page cache counts as available) and the sum of the PSS of every
# process of theirs (smaps_rollup: guest RAM in memfds shared between the VMM and virtiofsd
# and pages shared between guests counted once in all; nothing of the kernel's).
r_memory() {
  local mode=$1 n=0 i id pid got rc t0 starts=() pids=() bad=() avail0 shmem0 anon0 why=""
  if ! r_use "$mode"; then sample kind=restore_memory contender="$mode" error="could not write the $mode host settings"; return; fi
  sync; echo 3 > /proc/sys/vm/drop_caches; sleep 2
  avail0=$(mem_available_kib) shmem0=$(meminfo_kib Shmem) anon0=$(meminfo_kib AnonPages)
  while [ $n -lt "$RESTORE_GUESTS" ]; do
    if [ "$(mem_available_kib)" -lt $((DENSITY_RESERVE_MIB * 1024)) ]; then
      why="L1's MemAvailable fell under the reserve of $DENSITY_RESERVE_MIB MiB after $n guests (raise E2E_MEMORY or lower RESTORE_MEM_MIB)"; break
    fi
    id=rm-$mode-$n rc=0
    t0=$EPOCHREALTIME
    timeout 300 $SHIM --root $SROOT run --detach --pid-file $W/rm.pid --bundle $W/b-rmem $id </dev/null >/dev/null 2>$W/rm.err || rc=$?
    starts+=("$(( $(us $EPOCHREALTIME) - $(us $t0) ))")
    if [ $rc != 0 ]; then why="guest $n: run --detach exit $rc: $(tail -n 3 $W/rm.err | tr '\n' ' ' | head -c 400)"; break; fi
    pid=$(cat $W/rm.pid 2>/dev/null)
    pids+=("$pid")
    n=$((n + 1))
    got=$(r_guest_of "$SROOT/$id/vmm.log")
    [ "$got" = "$mode" ] || bad+=("$id: $got")
  done
  sleep 5
  local avail shmem anon pss=0 procs=0 p tree=()
  avail=$(mem_available_kib) shmem=$(meminfo_kib Shmem) anon=$(meminfo_kib AnonPages)
  for pid in "${pids[@]}"; do
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || { bad+=("pid '$pid' not running"); continue; }
    for p in $(r_tree "$pid"); do tree+=("/proc/$p/smaps_rollup"); done
  done
  if [ ${#tree[@]} -gt 0 ]; then
    # (cat goes on past a process that has gone; mawk would stop there)
    read -r pss procs < <(cat "${tree[@]}" 2>/dev/null | awk '/^Pss:/ { s += $2; n++ } END { print s + 0, n + 0 }')
  fi
  local sorted med=""
  if [ ${#starts[@]} -gt 0 ]; then
    mapfile -t sorted < <(printf '%s\n' "${starts[@]}" | sort -n); med=$(ms "${sorted[$(( ${#sorted[@]} / 2 ))]}")
  fi
  local actual; actual=$(tr '\0' ' ' < /proc/${pids[0]:-0}/cmdline 2>/dev/null | sed -n 's/.*--memory \([0-9]*\)M.*/\1/p')
  local a=(kind=restore_memory contender="$mode" guests="$n" wanted="$RESTORE_GUESTS" guest_mib="${actual:-?}"
           mem_available_start_kib="$avail0" mem_available_end_kib="$avail" avail_drop_kib=$((avail0 - avail))
           shmem_delta_kib=$((shmem - shmem0)) anon_delta_kib=$((anon - anon0)) pss_kib="$pss" processes="$procs"
           templates="$(r_templates)")
  [ -n "$med" ] && a+=(start_median_ms="$med")
  [ ${#bad[@]} -gt 0 ] && why="${why:+$why; }not ${mode}: ${bad[*]}"
  [ "$n" = "$RESTORE_GUESTS" ] || [ -n "$why" ] || why="$n guests of $RESTORE_GUESTS"
  if [ -n "$why" ]; then
    a+=(ok=0 error="$(head -c 600 <<<"$why")")
    fail "restore: memory, $mode guests: $why"
  else a+=(ok=1); fi
  sample "${a[@]}"
  for i in $(seq 0 $n); do $SHIM --root $SROOT delete --force "rm-$mode-$i" >/dev/null 2>&1; done
  sleep 2
}

restore_memory() {
  local b
  progress "restore (shim): memory of $RESTORE_GUESTS idle guests of $RESTORE_MEM_MIB MiB, cold then restored"
  mkbundle $W/b-rmem '["sleep", "100000"]'
  mkbundle $W/b-rmem-warm '["echo", "hi"]'
  for b in b-rmem b-rmem-warm; do
    perl -0pi -e 's{\A\s*\{}{\{\n\t"annotations": \{"io.ppc-kvm.memory": "'"$RESTORE_MEM_MIB"'M"\},}' $W/$b/config.json
  done
  r_memory cold
  # The template of this shape (another size than the run's), made before the restored ones.
  local t0 rc=0 before
  before=$(r_templates)
  r_use restored
  t0=$EPOCHREALTIME
  timeout 300 $SHIM --root $SROOT run --bundle $W/b-rmem-warm rm-warm </dev/null >$W/rm.out 2>$W/rm.err || rc=$?
  local a=(kind=restore_shim_template shape="${RESTORE_MEM_MIB}M" rc="$rc" warmup_ms="$(ms $(( $(us $EPOCHREALTIME) - $(us $t0) )))"
           templates="$(r_templates)" store_kib="$(r_store_kib)" dir="$RESTORE_TEMPLATE_DIR")
  [ $rc = 0 ] || a+=(error="run: $(tail -n 3 $W/rm.err | tr '\n' ' ' | head -c 400)")
  [ "$(r_templates)" -gt "$before" ] || a+=(note="no new template in the store ($before before)")
  sample "${a[@]}"
  $SHIM --root $SROOT delete --force rm-warm >/dev/null 2>&1
  r_memory restored
}

bench_restore() {
  restore_vmm
  if ! r_settings; then
    sample kind=restore_start contender=shim-run-restored run=1 ok=0 error="could not read the host settings $R_CONF"
    fail "restore: no host settings to change"
    return
  fi
  rm -rf "$RESTORE_TEMPLATE_DIR"
  restore_shim
  restore_memory
  r_settings_back
  rm -rf "$RESTORE_TEMPLATE_DIR"
}
