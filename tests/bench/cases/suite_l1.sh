# shellcheck shell=bash
# The benchmark suite's in-L1 part (tests/bench/run-suite.sh runs it in one e2e L1 with
# tests/e2e/run-l1.sh). Measures, interleaving the contenders run by run:
#   boot       our VMM vs QEMU pSeries (KVM, VOF) booting the same kernel and initramfs
#              (/init prints a marker and powers off); the minimal vs the stock kernel
#   breakdown  a container's boot under ppc-kvm-shim: shim, VMM set-up, kernel, agent
#   start      ppc-kvm-shim run vs crun run (same bundle); podman with each runtime
#   memory     VMM (+ jail supervisor) RSS outside guest RAM vs QEMU's; guest RAM touched
#   density    idle guests started until L1 runs short of memory (or the time bound)
#   exec       shim exec vs crun exec; vsock throughput and round trip (vsock_host/vsock_peer)
#   share      the shared file system (issue 14, share_l1.sh): create latency vs image size;
#              file throughput in a volume, ours vs crun vs QEMU with the same virtiofsd
#   net        the network (issue 15, net_l1.sh): TCP throughput each way, ping and HTTP round
#              trips between L1 and a server, ours vs crun vs QEMU on a tap joined the same way
#   restore    restored from a template vs cold (issue 19, restore_l1.sh): a container's VM (the
#              VMM alone); ppc-kvm-shim run and podman run --rm, ours cold and restored vs crun;
#              the memory of RESTORE_GUESTS idle guests, cold vs restored
# SECTIONS (from run-suite.sh --only) names the ones to run, all by default; the QEMU probe
# and the shim's set-up always run.
# Every sample is one "BENCH-SAMPLE {json}" line; the host side turns them into the
# report. Absolute times are under emulation: only ratios from this run mean anything.
#
# Not set -e: a contender that fails (say podman with our runtime, issue 8) is recorded as
# a sample with its exit status and error, and the suite carries on with the others.
set -uo pipefail
. /e2e/case_lib.sh                      # IMG (the local busybox image), ok/fail/finish
RIG_LIB_DIR=$E2E_SHARE/rig              # the rig's case library, from run-suite.sh:
. "$RIG_LIB_DIR/case_lib.sh"            # guest fixtures, wait_for_line, boot_vsock_guest

RUNS=${RUNS:-10} START_RUNS=${START_RUNS:-5} QEMU_STOCK=${QEMU_STOCK:-1}
DENSITY_SECONDS=${DENSITY_SECONDS:-180} DENSITY_MAX=${DENSITY_MAX:-40} DENSITY_MEM_MIB=${DENSITY_MEM_MIB:-512}
DENSITY_RESERVE_MIB=${DENSITY_RESERVE_MIB:-200}
SECTIONS=${SECTIONS:-boot breakdown start memory exec density share net restore}
want() { [[ " $SECTIONS " == *" $1 "* ]]; }
BOOT_MEM=512M BOOT_TIMEOUT=120
CMDLINE="console=hvc0 panic=-1 quiet"
K_MIN=$E2E_SHARE/guest-vmlinux K_OF=$E2E_SHARE/guest-of-vmlinux K_STOCK=$E2E_SHARE/stock-vmlinux
VMM=/usr/libexec/ppc-kvm-shim/ppc-kvm-vmm
SHIM=/usr/local/bin/ppc-kvm-shim
SROOT=/run/bench-shim
W=/tmp/bench
mkdir -p $W

# ---- helpers ---------------------------------------------------------------------------------
# sample KEY=VALUE...: one JSON object per line (numbers stay numbers).
sample() {
  local out="" kv k v
  for kv in "$@"; do
    k=${kv%%=*} v=${kv#*=}
    if [[ $v =~ ^-?(0|[1-9][0-9]*)(\.[0-9]+)?$ ]]; then out+=",\"$k\":$v"
    else v=$(printf '%s' "$v" | tr -d '\000-\037' | sed 's/\\/\\\\/g; s/"/\\"/g'); out+=",\"$k\":\"$v\""; fi
  done
  echo "BENCH-SAMPLE {${out#,}}"
}
progress() { echo "BENCH-PROGRESS $(cut -d' ' -f1 /proc/uptime) s: $*"; }
us() { local t=${1/./}; echo $((10#$t)); }                # $EPOCHREALTIME -> integer µs
ms() { local d=$1 s=""; [ "$d" -lt 0 ] && { s=-; d=$((-d)); }; printf '%s%d.%03d' "$s" $((d / 1000)) $((d % 1000)); }
# stamp: prefixes every line with its arrival time ($EPOCHREALTIME: a bash builtin, no fork
# per line), so our VMM and QEMU are timed by the same reader.
stamp() { local l; while IFS= read -r l; do printf '%s %s\n' "$EPOCHREALTIME" "${l%$'\r'}"; done; }
first_stamp() { grep -m1 -- "$2" "$1" | cut -d' ' -f1; }   # FILE PATTERN: arrival time of the first match
mem_available_kib() { sed -n 's/^MemAvailable: *\([0-9]*\).*/\1/p' /proc/meminfo; }
# smaps_split PID RAM_KIB: "rss pss ram_rss ram_thp" in KiB: the process's RSS and PSS
# outside mappings of at least RAM_KIB (guest RAM), the RSS inside them and how much of that
# is transparent huge pages (L1 backs guest RAM with 2 MiB pages when THP is on).
# Prints nothing and fails for a process that is not there (an empty pid among them): a
# missing measurement must become an error sample, never zeros.
smaps_split() {
  [ -n "$1" ] && [ -r "/proc/$1/smaps" ] || return 1
  awk -v ram="$2" '/^[0-9a-f]+-[0-9a-f]+ / { next }
    /^Size:/ { big = ($2 >= ram) } /^Rss:/ { if (big) rr += $2; else r += $2 } /^Pss:/ { if (!big) p += $2 }
    /^AnonHugePages:/ { if (big) t += $2 }
    END { printf "%d %d %d %d\n", r, p, rr, t }' "/proc/$1/smaps"
}
children_of() { cat /proc/"$1"/task/*/children 2>/dev/null | tr ' ' '\n' | grep . ; }
vmm_has_boot_times() { "$VMM" --help | grep -q -- --print-boot-times; }

# ---- inputs ----------------------------------------------------------------------------------
for k in "$K_MIN" "$K_OF" "$K_STOCK"; do if [ -r "$k" ]; then ok "kernel $k"; else fail "missing kernel $k"; fi; done
# The initramfs of the boot benchmark: /init prints a marker at once (no fork before it),
# then its own uptime (the guest clock's view), then powers off (or idles, for the memory
# and density measurements).
uptime_lines='/bin/busybox mount -t proc proc /proc
read up idle < /proc/uptime
echo "GUEST-UPTIME $up"'
make_marker_initramfs $W/marker.cpio GUEST-USERSPACE-MARKER "$uptime_lines"
make_waiting_initramfs $W/idle.cpio GUEST-USERSPACE-MARKER "$uptime_lines"
BOOT_TIMES=--stats
if vmm_has_boot_times; then BOOT_TIMES=--print-boot-times; ok "ppc-kvm-vmm has --print-boot-times"; else fail "this ppc-kvm-vmm has no --print-boot-times: no VMM set-up breakdown"; fi

# QEMU: the machine as the L1 host allows it. QEMU_CAPS (from run-suite.sh) are the caps L0
# gives L1 (QEMU's defaults ask KVM for Spectre mitigations the nested host does not offer);
# ic-mode=xics with kernel-irqchip=on is the in-kernel XICS our VMM uses too. Probed once
# here: the modes that fail are recorded with QEMU's own words.
: "${QEMU_CAPS:?run-suite.sh passes the caps of the L1 machine}"
qemu_cmd() {  # qemu_cmd KERNEL INITRD MEM [extra...]
  local k=$1 i=$2 m=$3; shift 3
  echo qemu-system-ppc64 -M "pseries,accel=kvm,x-vof=on,$QEMU_IRQ,$QEMU_CAPS" -cpu host -nodefaults \
    -m "$m" -smp 1 -display none -monitor none -no-reboot -kernel "$k" -initrd "$i" -append "'$CMDLINE'" "$@"
}
QEMU_IRQ=""
for mode in "kernel-irqchip=on,ic-mode=xive" "kernel-irqchip=on,ic-mode=xics" "kernel-irqchip=off,ic-mode=xics"; do
  out=$(timeout 60 qemu-system-ppc64 -M "pseries,accel=kvm,x-vof=on,$mode,$QEMU_CAPS" -cpu host -nodefaults -m $BOOT_MEM \
        -smp 1 -display none -monitor none -no-reboot -serial stdio -kernel "$K_OF" -initrd $W/marker.cpio \
        -append "$CMDLINE" </dev/null 2>&1); rc=$?
  if [ $rc = 0 ] && grep -q GUEST-USERSPACE-MARKER <<<"$out"; then
    sample kind=qemu_irq mode="$mode" works=1
    [ -n "$QEMU_IRQ" ] || QEMU_IRQ=$mode
  else
    sample kind=qemu_irq mode="$mode" works=0 rc=$rc error="$(grep -m2 -i 'qemu\|error' <<<"$out" | tr '\n' ' ')"
  fi
done
if [ -n "$QEMU_IRQ" ]; then ok "QEMU boots with $QEMU_IRQ"
else fail "QEMU boots in no interrupt-controller mode"; QEMU_IRQ="kernel-irqchip=off,ic-mode=xics"; fi
progress "QEMU runs with $QEMU_IRQ"

# ---- 1+2. boot to userspace ------------------------------------------------------------------
# boot_once CONTENDER RUN KERNEL COMMAND...: one boot, console on stdout, every line stamped.
# t0 is taken just before the fork: process creation, exec and (for QEMU) its start-up count.
boot_once() {
  local who=$1 run=$2 kernel=$3 t0 t_end rc o=$W/boot.out
  shift 3
  t0=$EPOCHREALTIME
  timeout $BOOT_TIMEOUT "$@" </dev/null 2>&1 | stamp > $o
  rc=${PIPESTATUS[0]}
  t_end=$EPOCHREALTIME  # the pipe closed: the process (VMM and jail, or QEMU) has exited
  local tm tu up a=(kind=boot contender="$who" kernel="$kernel" run="$run" rc="$rc")
  tm=$(first_stamp $o GUEST-USERSPACE-MARKER) tu=$(first_stamp $o GUEST-UPTIME)
  up=$(sed -n 's/.*GUEST-UPTIME \([0-9.]*\).*/\1/p' $o | head -1)
  a+=(total_ms="$(ms $(( $(us $t_end) - $(us $t0) )))")
  if [ -n "$tm" ]; then a+=(marker_ms="$(ms $(( $(us $tm) - $(us $t0) )))"); else a+=(error="no marker: $(tail -n 3 $o | cut -d' ' -f2- | tr '\n' ' ')"); fi
  [ -n "$up" ] && a+=(guest_uptime_at_init_s="$up")
  # Our VMM: its own milestones, on L1's clock (boot-times line + --stats, relative to "machine").
  local bt first stats
  bt=$(grep -m1 'boot-times: monotonic ns' $o | cut -d' ' -f2-)
  first=$(sed -n 's/.*stats: first KVM_RUN \([0-9]*\) ms.*/\1/p' $o | head -1)
  if [ -n "$bt" ] && [ -n "$first" ]; then
    local main mach off main_us mach_us first_us
    read -r main mach off < <(sed 's/.*main \([0-9]*\), machine \([0-9]*\); realtime-monotonic \(-*[0-9]*\).*/\1 \2 \3/' <<<"$bt")
    main_us=$(( (main + off) / 1000 )) mach_us=$(( (mach + off) / 1000 )) first_us=$(( mach_us + first * 1000 ))
    a+=(exec_to_main_ms="$(ms $((main_us - $(us $t0))))" main_to_machine_ms="$(ms $((mach_us - main_us)))"
        machine_to_first_run_ms="$(ms $((first_us - mach_us)))" vmm_setup_ms="$(ms $((first_us - $(us $t0))))")
    if [ -n "$tm" ]; then a+=(first_run_to_marker_ms="$(ms $(( $(us $tm) - first_us )))"); fi
    # The guest clock starts late in the kernel's boot (time_init): what it misses.
    if [ -n "$tu" ] && [ -n "$up" ]; then
      a+=(kernel_before_guest_clock_ms="$(ms $(( $(us $tu) - first_us - $(us "$up"0000) )))")
    fi
  fi
  stats=$(sed -n 's/.*stats: exits: \(.*\)/\1/p' $o | head -1)
  [ -n "$stats" ] && a+=(exits="$stats")
  sample "${a[@]}"
}
ours_boot() { boot_once "ours-$1" "$2" "$1" "$VMM" --kernel "$3" --initrd $W/marker.cpio --memory $BOOT_MEM --vcpus 1 \
                --cmdline "$CMDLINE" --console - $BOOT_TIMES; }
qemu_boot() { eval "boot_once qemu-$1 $2 $1 $(qemu_cmd "$3" $W/marker.cpio $BOOT_MEM -serial stdio)"; }

if want boot; then
  progress "boot: $RUNS runs per contender, interleaved"
  for i in $(seq "$RUNS"); do
    ours_boot minimal "$i" "$K_MIN"
    ours_boot minimal-of "$i" "$K_OF"
    qemu_boot minimal-of "$i" "$K_OF"
    ours_boot stock "$i" "$K_STOCK"
    [ "$QEMU_STOCK" = 1 ] && qemu_boot stock "$i" "$K_STOCK"
  done
fi

# ---- shim set-up -----------------------------------------------------------------------------
# The runtime as a user would configure it (podman reads this file too): the installed paths,
# the same quiet kernel command line as above, the VMM's boot times in each vmm.log, and the
# density case's guest size by annotation.
# The image ships no /etc/ppc-kvm-shim unless a run supplies a config: without the folder the
# file was never written and every run measured the defaults (ours at 320 MiB, not $BOOT_MEM;
# no boot times), so a failed write stops the suite.
vmm_args='[]'; vmm_has_boot_times && vmm_args='["--print-boot-times"]'
mkdir -p /etc/ppc-kvm-shim
cat > /etc/ppc-kvm-shim/config.json <<EOF
{"kernel": "/usr/share/ppc-kvm-shim/guest-vmlinux", "vmm": "$VMM",
 "agent": "/usr/libexec/ppc-kvm-shim/ppc-kvm-agent", "kernel_cmdline": "$CMDLINE", "vmm_args": $vmm_args,
 "allowed_annotations": ["io.ppc-kvm.memory"]}
EOF
if [ ! -s /etc/ppc-kvm-shim/config.json ]; then
  sample kind=config error="the shim's host settings could not be written to /etc/ppc-kvm-shim/config.json"
  exit 1
fi
sample kind=config shim_config="$(tr -d '\n' < /etc/ppc-kvm-shim/config.json)"
# One busybox bundle for both runtimes, made as crun_baseline.sh makes it; variants differ
# only in process.args.
mkbundle() {  # mkbundle DIR ARGS_JSON
  mkdir -p "$1/rootfs"
  [ -e "$1/rootfs/bin" ] || tar -C "$1/rootfs" -xf /usr/share/e2e/busybox-rootfs.tar
  (cd "$1" && rm -f config.json && crun spec)
  sed -i -e 's/"terminal": true/"terminal": false/' "$1/config.json"
  perl -0pi -e 's{"args": \[\s*"sh"\s*\]}{"args": '"$2"'}' "$1/config.json"
}
mkbundle $W/b-echo '["echo", "hi"]'
mkbundle $W/b-sleep '["sleep", "100000"]'
# The idle container of the memory and density runs: a guest of DENSITY_MEM_MIB like the
# VMs there (the shim's annotation; otherwise it sizes the guest from the container's limit).
mkbundle $W/b-dens '["sleep", "100000"]'
perl -0pi -e 's{\A\s*\{}{\{\n\t"annotations": \{"io.ppc-kvm.memory": "'$DENSITY_MEM_MIB'M"\},}' $W/b-dens/config.json
mkbundle $W/b-probe '["sh", "-c", "dmesg | grep -m1 \\"Run /init\\"; cat /proc/uptime"]'
mkdir -p $SROOT

# ---- our VMM's own container mode (no shim): the restore and share sections' ctr runs ----------
# agent_initramfs OUT: the agent alone (an empty root) as the container mode's initramfs; on
# failure its last lines are in $W/agent-initramfs.err.
agent_initramfs() {
  mkdir -p $W/agent-empty
  "$E2E_BIN/ppc-kvm-rootfs" --agent /usr/libexec/ppc-kvm-shim/ppc-kvm-agent --rootfs $W/agent-empty -o "$1" \
    2>$W/agent-initramfs.err
}
# ctr_vmm_run DIR REQUEST COMMAND...: one container: COMMAND (the VMM with its boot, memory and
# share-daemon arguments, maybe behind a cgroup wrapper) serves DIR/share (made shared by the
# caller) and keeps its vsock, console, log and output in DIR; once it reports the container
# created, agent_ctl starts it; then the VMM's exit. Sets CTR_READY (the ready line) and
# CTR_T_READY (when it came); returns the VMM's status if it failed, else agent_ctl's (99: the
# VMM never reported ready).
ctr_vmm_run() {
  local d=$1 req=$2 rc=0 pid
  shift 2
  rm -f $d/ready $d/v.sock && mkfifo $d/ready
  "$@" --vsock-uds $d/v.sock --fs-share $d/share --console $d/console.log --container-request "$req" --ready-fd 3 \
    --log $d/vmm.log 3>$d/ready >$d/out 2>$d/err </dev/null &
  pid=$!
  read -r CTR_READY < $d/ready
  # shellcheck disable=SC2034  # restore_l1.sh reads it
  CTR_T_READY=$EPOCHREALTIME
  if [ "$CTR_READY" = ok ]; then "$E2E_BIN/agent_ctl" --uds $d/v.sock --container c start 2>$d/start.err || rc=$?; else rc=99; fi
  wait $pid || rc=$?
  return $rc
}

# timed_cmd KIND CONTENDER RUN WANT COMMAND...: wall time of one command, its status and
# whether stdout was WANT; errors recorded, never hidden. With TIMED_CHECK set (a function's
# name), that function runs after the command, untimed, and may add KEY=VALUE fields to the
# sample (the array `extra`) and a reason the run does not count (`why`: then ok=0).
timed_cmd() {
  local kind=$1 who=$2 run=$3 want=$4 t0 t1 rc=0 extra=() why=""
  shift 4
  t0=$EPOCHREALTIME
  timeout 300 "$@" </dev/null >$W/cmd.out 2>$W/cmd.err || rc=$?
  t1=$EPOCHREALTIME
  [ -z "${TIMED_CHECK:-}" ] || "$TIMED_CHECK"
  local a=(kind="$kind" contender="$who" run="$run" rc="$rc" ms="$(ms $(( $(us $t1) - $(us $t0) )))" "${extra[@]}")
  if [ $rc != 0 ] || [ "$(cat $W/cmd.out)" != "$want" ]; then
    a+=(ok=0 error="stdout '$(head -c 200 $W/cmd.out)', stderr: $(tail -n 4 $W/cmd.err | head -c 600)${why:+; $why}")
  elif [ -n "$why" ]; then a+=(ok=0 error="$why")
  else a+=(ok=1); fi
  sample "${a[@]}"
}

# ---- 2. breakdown of a container's boot (create returns once the agent is ready) -------------
# Each phase on L1's clock: shim work before the VMM runs (initramfs), VMM set-up until the
# first KVM_RUN, the kernel until /init (the guest's printk time of "Run /init" plus what the
# guest clock misses before time_init, from the boot runs above), the agent until ready.
# A boot: the suite's settings without guest templates (with them, every create after the first
# is restored, and "Run /init" is the template's, printed long before).
if want breakdown; then
  progress "breakdown: $START_RUNS container boots"
  sed 's/}[[:space:]]*$/, "templates": 0}/' /etc/ppc-kvm-shim/config.json > $W/shim-cold.json
  grep -q '"templates": 0}' $W/shim-cold.json || { sample kind=config error="no cold settings for the breakdown"; exit 1; }
  for i in $(seq "$START_RUNS"); do
    id=probe-$i rc=0
    t0=$EPOCHREALTIME
    PPC_KVM_SHIM_CONFIG=$W/shim-cold.json timeout 300 $SHIM --root $SROOT create --bundle $W/b-probe $id </dev/null \
      >$W/probe.out 2>$W/probe.err || rc=$?
    t_ready=$EPOCHREALTIME
    a=(kind=breakdown contender=ours-shim run="$i" rc="$rc" create_ms="$(ms $(( $(us $t_ready) - $(us $t0) )))")
    if [ $rc = 0 ]; then
      # (start's own output elsewhere: the VMM writes the container's into probe.out)
      $SHIM --root $SROOT start $id >/dev/null 2>$W/start.err || a+=(error="start failed: $(tail -n 2 $W/start.err)")
      for _ in $(seq 600); do [ "$($SHIM --root $SROOT state $id 2>/dev/null | sed -n 's/.*"status": "\([a-z]*\)".*/\1/p')" = stopped ] && break; sleep 0.2; done
      sleep 0.5
      log=$SROOT/$id/vmm.log
      bt=$(grep -m1 'boot-times: monotonic ns' $log 2>/dev/null)
      first=$(sed -n 's/.*stats: first KVM_RUN \([0-9]*\) ms.*/\1/p' $log 2>/dev/null | head -1)
      init_s=$(sed -n 's/^\[ *\([0-9.]*\)\] Run \/init.*/\1/p' $W/probe.out | head -1)
      if [ -n "$bt" ] && [ -n "$first" ]; then
        read -r main mach off < <(sed 's/.*main \([0-9]*\), machine \([0-9]*\); realtime-monotonic \(-*[0-9]*\).*/\1 \2 \3/' <<<"$bt")
        main_us=$(( (main + off) / 1000 )) mach_us=$(( (mach + off) / 1000 )) first_us=$(( mach_us + first * 1000 ))
        a+=(shim_before_vmm_ms="$(ms $((main_us - $(us $t0))))" vmm_setup_ms="$(ms $((first_us - main_us)))"
            first_run_to_ready_ms="$(ms $(( $(us $t_ready) - first_us )))")
      else a+=(error="no boot times in vmm.log: $(tail -n 3 $log 2>/dev/null | tr '\n' ' ')"); fi
      [ -n "$init_s" ] && a+=(guest_printk_run_init_s="$init_s")
      grep -q 'restored from ' $log 2>/dev/null && a+=(error="restored, not booted: $(grep -m1 'restored from ' $log)")
      a+=(exits="$(sed -n 's/.*stats: exits: \(.*\)/\1/p' $log 2>/dev/null | head -1)")
    else a+=(error="$(tail -n 4 $W/probe.err | head -c 600)"); fi
    sample "${a[@]}"
    $SHIM --root $SROOT delete --force $id >/dev/null 2>&1
  done
fi

# ---- 3. container start ----------------------------------------------------------------------
if want start; then
  progress "start: $START_RUNS runs each, shim run vs crun run, then podman"
  for i in $(seq "$START_RUNS"); do
    timed_cmd start ours-shim-run "$i" hi $SHIM --root $SROOT run --bundle $W/b-echo run-$i
    timed_cmd start crun-run "$i" hi crun run --bundle $W/b-echo crun-$i
  done
  # podman: the first run of each runtime pays podman's first use of its storage: run 0, kept
  # apart in the report.
  for i in $(seq 0 "$START_RUNS"); do
    timed_cmd start podman-ours "$i" hi podman --runtime ppc-kvm-shim run --rm --network=none $IMG echo hi
    timed_cmd start podman-crun "$i" hi podman --runtime crun run --rm --network=none $IMG echo hi
  done
fi

# ---- 4. memory -------------------------------------------------------------------------------
# One idle guest each (the idle initramfs, 512 MiB, 1 vCPU), measured 3 s after its marker:
# our VMM and QEMU with the same kernel (minimal-of), and ours with the shipped one. Our VMM
# is two processes: the jail's supervisor (outer) and the VMM in the jail.
ram_kib=$((512 * 1024))
# top_maps PID: the three largest mappings by RSS outside guest RAM ("KiB name; ..."): why.
top_maps() {
  awk -v ram=$ram_kib '/^[0-9a-f]+-[0-9a-f]+ / { name = ($6 == "" ? "[anon]" : $6); next }
    /^Size:/ { big = ($2 >= ram) } /^Rss:/ { if (!big && $2 > 0) rss[name] += $2 }
    END { for (n in rss) print rss[n], n }' "/proc/$1/smaps" 2>/dev/null | sort -rn | head -3 | sed 's/ /K /' | tr '\n' ';'
}
ours_idle() {  # ours_idle CONTENDER KERNEL RUN
  rm -f $W/m.console
  $VMM --kernel "$2" --initrd $W/idle.cpio --memory $BOOT_MEM --vcpus 1 --cmdline "$CMDLINE" --console $W/m.console 2>$W/m.log &
  local sup=$! inner
  if wait_for_line $W/m.console GUEST-UPTIME 120 >/dev/null; then
    sleep 3
    inner=$(children_of $sup | head -1)
    if ! split_s=$(smaps_split $sup $ram_kib) || ! split_v=$(smaps_split "$inner" $ram_kib); then
      sample kind=memory contender="$1" run="$3" error="no smaps of the supervisor $sup or its VMM '${inner}'"
      kill $sup 2>/dev/null; wait $sup 2>/dev/null; return
    fi
    read -r s_rss s_pss s_ram s_thp <<<"$split_s"
    read -r v_rss v_pss v_ram v_thp <<<"$split_v"
    sample kind=memory contender="$1" run="$3" supervisor_rss_kib=$s_rss supervisor_pss_kib=$s_pss \
      vmm_rss_kib=$v_rss vmm_pss_kib=$v_pss overhead_rss_kib=$((s_rss + v_rss)) overhead_pss_kib=$((s_pss + v_pss)) \
      guest_ram_touched_kib=$((s_ram + v_ram)) guest_ram_thp_kib=$((s_thp + v_thp)) threads="$(ls /proc/$inner/task | wc -l)" \
      supervisor_top="$(top_maps $sup)" vmm_top="$(top_maps "$inner")"
  else sample kind=memory contender="$1" run="$3" error="idle guest did not boot: $(tail -n 3 $W/m.log | tr '\n' ' ')"; fi
  kill $sup 2>/dev/null; wait $sup 2>/dev/null
}
if want memory; then
  progress "memory"
  sample kind=l1 transparent_hugepage="$(cat /sys/kernel/mm/transparent_hugepage/enabled)" mem_total_kib="$(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo)"
  for i in 1 2 3; do
    ours_idle ours-minimal-of "$K_OF" $i
    rm -f $W/q.console
    eval "$(qemu_cmd "$K_OF" $W/idle.cpio $BOOT_MEM -serial file:$W/q.console)" '2>$W/q.log &'
    q=$!
    if wait_for_line $W/q.console GUEST-UPTIME 120 >/dev/null; then
      sleep 3
      if split_q=$(smaps_split $q $ram_kib); then
        read -r q_rss q_pss q_ram q_thp <<<"$split_q"
        sample kind=memory contender=qemu-minimal-of run=$i overhead_rss_kib=$q_rss overhead_pss_kib=$q_pss \
          guest_ram_touched_kib=$q_ram guest_ram_thp_kib=$q_thp threads="$(ls /proc/$q/task | wc -l)" top="$(top_maps $q)"
      else sample kind=memory contender=qemu-minimal-of run=$i error="no smaps of QEMU $q"; fi
    else sample kind=memory contender=qemu-minimal-of run=$i error="idle guest did not boot: $(tail -n 3 $W/q.log | tr '\n' ' ')"; fi
    kill $q 2>/dev/null; wait $q 2>/dev/null
    ours_idle ours-minimal "$K_MIN" $i
  done
fi
# An idle container (ppc-kvm-shim run --detach, the shim's own VM size): the same split.
if want memory || want exec; then
  rc=0
  $SHIM --root $SROOT run --detach --pid-file $W/idle.pid --bundle $W/b-dens idle-1 </dev/null >$W/idle.out 2>&1 || rc=$?
  if [ $rc = 0 ]; then
    sleep 3
    sup=$(cat $W/idle.pid) inner=$(children_of "$(cat $W/idle.pid)" | head -1)
    mem_mib=$(tr '\0' ' ' < /proc/$sup/cmdline | sed -n 's/.*--memory \([0-9]*\)M.*/\1/p')
    if [ -n "$mem_mib" ] && split_s=$(smaps_split "$sup" $((mem_mib * 1024))) && split_v=$(smaps_split "$inner" $((mem_mib * 1024))); then
      read -r s_rss s_pss s_ram s_thp <<<"$split_s"
      read -r v_rss v_pss v_ram v_thp <<<"$split_v"
      sample kind=memory contender=ours-container run=1 guest_mib="$mem_mib" supervisor_rss_kib=$s_rss vmm_rss_kib=$v_rss \
        overhead_rss_kib=$((s_rss + v_rss)) overhead_pss_kib=$((s_pss + v_pss)) guest_ram_touched_kib=$((s_ram + v_ram)) guest_ram_thp_kib=$((s_thp + v_thp))
    else sample kind=memory contender=ours-container run=1 error="no --memory on the VMM's command line or no smaps of $sup or its VMM '$inner'"; fi
  else sample kind=memory contender=ours-container run=1 rc=$rc error="$(tail -n 4 $W/idle.out)"; fi
fi

# ---- 6. exec latency (into the idle container above) and vsock --------------------------------
if want exec; then
  progress "exec and vsock"
  if crun run --detach --bundle $W/b-sleep crun-idle </dev/null >/dev/null 2>&1; then ok "crun run --detach"; else fail "crun run --detach failed"; fi
  for i in $(seq "$START_RUNS"); do
    timed_cmd exec ours-shim-exec "$i" hi $SHIM --root $SROOT exec idle-1 echo hi
    timed_cmd exec crun-exec "$i" hi crun exec crun-idle echo hi
  done
  $SHIM --root $SROOT delete --force idle-1 >/dev/null 2>&1
  crun delete --force crun-idle >/dev/null 2>&1
  if boot_vsock_guest $W/vsock.sock >/dev/null; then
    for i in 1 2 3; do
      line=$(vsock_host bulk $W/vsock.sock 1234 67108864 67108864 2>&1)
      sample kind=vsock contender=ours metric=bulk run=$i \
        up_mb_s="$(sed -n 's/.*up (\([0-9.]*\) MB\/s).*/\1/p' <<<"$line")" down_mb_s="$(sed -n 's/.*down (\([0-9.]*\) MB\/s).*/\1/p' <<<"$line")" raw="$line"
    done
    line=$(vsock_host rtt $W/vsock.sock 1234 1000 2>&1)
    sample kind=vsock contender=ours metric=rtt run=1 median_us="$(sed -n 's/.*median \([0-9.]*\) us.*/\1/p' <<<"$line")" \
      p90_us="$(sed -n 's/.*p90 \([0-9.]*\) us.*/\1/p' <<<"$line")" raw="$line"
    vsock_host control $W/vsock.sock 9999 shutdown >/dev/null 2>&1
    # shellcheck disable=SC2154  # $vmm: set by boot_vsock_guest (rig case library)
    wait "$vmm" 2>/dev/null
  else sample kind=vsock contender=ours metric=bulk run=1 error="vsock guest did not boot"; fi
fi

# ---- 7. the shared file system (before density, which leaves L1 short of memory) -----------
. "$E2E_SHARE/bench/share_l1.sh"
if want share; then bench_share; fi

# ---- 8. the network ------------------------------------------------------------------------
. "$E2E_SHARE/bench/net_l1.sh"
if want net; then bench_net; fi

# ---- 9. restored from a template --------------------------------------------------------------
. "$E2E_SHARE/bench/restore_l1.sh"
if want restore; then bench_restore; fi

# ---- 5. density ------------------------------------------------------------------------------
# Idle guests of DENSITY_MEM_MIB each (QEMU's pSeries wants a multiple of 256 MiB), the VMs
# with the minimal-of kernel and the idle initramfs, the containers as the shim makes them,
# started one after the other until L1's MemAvailable falls under DENSITY_RESERVE_MIB, one fails, DENSITY_MAX run, or DENSITY_SECONDS pass. The
# per-guest cost (MemAvailable drop / guests) gives the extrapolated count for the memory L1
# had free at the start; the report says which bound stopped the run.
density() {  # density CONTENDER START_FUNCTION
  local who=$1 start=$2 n=0 why="" t0 avail0 avail pids=() actual=""
  sync; echo 3 > /proc/sys/vm/drop_caches
  avail0=$(mem_available_kib) t0=$(date +%s)
  while :; do
    [ $n -ge "$DENSITY_MAX" ] && { why=max; break; }
    [ $(( $(date +%s) - t0 )) -ge "$DENSITY_SECONDS" ] && { why="time"; break; }
    [ "$(mem_available_kib)" -lt $((DENSITY_RESERVE_MIB * 1024)) ] && { why=memory; break; }
    DPID="" DERR=""
    if ! $start $n; then
      why="start failed"; [ -n "$DPID" ] && pids+=("$DPID"); break
    fi
    pids+=("$DPID")
    # The size the first guest really got (its VMM's --memory, QEMU's -m).
    [ $n = 0 ] && actual=$(tr '\0' ' ' < /proc/$DPID/cmdline | sed -n 's/.*\(--memory\|-m\) \([0-9]*\)M.*/\2/p')
    n=$((n + 1))
  done
  sleep 3
  avail=$(mem_available_kib)
  local err=(); [ -n "$DERR" ] && err=(error="$DERR")
  sample kind=density contender="$who" guests=$n stopped_by="$why" guest_mib="${actual:-?}" seconds=$(( $(date +%s) - t0 )) \
    mem_available_start_kib=$avail0 mem_available_end_kib=$avail reserve_kib=$((DENSITY_RESERVE_MIB * 1024)) \
    alive="$(for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && echo; done | wc -l)" "${err[@]}"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  for c in $(seq 0 $n); do $SHIM --root $SROOT delete --force "dens-$c" >/dev/null 2>&1; done
  sleep 2
}
d_ours() {
  $VMM --kernel "$K_OF" --initrd $W/idle.cpio --memory ${DENSITY_MEM_MIB}M --vcpus 1 --cmdline "$CMDLINE" --console $W/d$1.console 2>$W/d.err &
  DPID=$!
  wait_for_line $W/d$1.console GUEST-UPTIME 120 >/dev/null || { DERR=$(tail -n 3 $W/d.err | tr '\n' ' '); return 1; }
}
d_qemu() {
  eval "$(qemu_cmd "$K_OF" $W/idle.cpio ${DENSITY_MEM_MIB}M -serial file:$W/dq$1.console)" '2>$W/d.err &'
  DPID=$!
  wait_for_line $W/dq$1.console GUEST-UPTIME 120 >/dev/null || { DERR=$(tail -n 3 $W/d.err | tr '\n' ' '); return 1; }
}
d_container() {
  $SHIM --root $SROOT run --detach --pid-file $W/dc.pid --bundle $W/b-dens dens-$1 </dev/null >/dev/null 2>$W/d.err ||
    { DERR=$(tail -n 3 $W/d.err | tr '\n' ' '); return 1; }
  DPID=$(cat $W/dc.pid)
}
if want density; then
  progress "density: ours (VMM), QEMU, ours (containers); at most $DENSITY_SECONDS s each"
  density ours-vm d_ours
  density qemu-vm d_qemu
  density ours-container d_container
fi
progress "done"
finish
