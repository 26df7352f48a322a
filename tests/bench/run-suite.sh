#!/usr/bin/env bash
# The benchmark suite (issue 9; not a test): boots ONE e2e L1 (tests/e2e/run-l1.sh, HV
# profile, Debian ppc64el with QEMU, podman, crun) and measures there, interleaving the
# contenders: boot to userspace (our VMM vs QEMU pSeries with KVM, same kernel and
# initramfs), where our boot time goes, container start (ppc-kvm-shim vs crun, podman with
# each), memory (VMM vs QEMU overhead, guest RAM touched), density, vsock and exec, and the
# shared file system (issue 14: create latency vs image size, file throughput in a volume,
# ours vs crun vs QEMU with the same virtiofsd) and the network (issue 15: TCP throughput each
# way, ping and HTTP round trips, ours vs crun vs QEMU on a tap joined the same way).
#
#   tests/bench/run-suite.sh [--results DIR] [--bin-dir DIR] [--vmm FILE] [--only LIST]
#
#   --results DIR  where results.md (tables, targets), results.json (every sample),
#                  boot-times.png (plot), l1-output.txt and l1-serial.log go
#                  (default build/bench-results)
#   --bin-dir DIR  the ppc64le binaries (default build/ppc64le/bin; read only)
#   --vmm FILE     a ppc-kvm-vmm to use instead of the bin dir's
#   --only LIST    run only these sections (comma-separated: boot, breakdown, start, memory,
#                  exec, density, share, net, restore); the report shows only them
# Environment: RUNS (boots per contender, default 10), START_RUNS (container starts, exec
# and breakdown runs per contender, default 5), QEMU_STOCK (1: QEMU boots the stock kernel
# too), DENSITY_SECONDS (per contender, default 180), DENSITY_MAX (guests, default 40),
# DENSITY_MEM_MIB (guest size, default 512; QEMU needs a multiple of 256), E2E_MEMORY (L1, default 2G);
# the share section: CREATE_RUNS (containers per runtime and image, default 5), FS_RUNS (file
# workload runs per contender, default 3), FS_FILES (small files, default 2000), FS_MEM_MIB
# (guest RAM of ours and QEMU there, default 512), FS_CONTENDERS (which of ours, ours-vmm,
# ours-vmm-of, qemu, qemu-cg and crun run the file workload, default those six: "ours qemu
# qemu-cg" with a large FS_RUNS tells whether a small gap between those is more than the runs'
# spread; qemu-cg is QEMU with its virtiofsd in cgroups shaped like the shim's; ours-cold, ours
# with the shim's templates off, ours-nosec, ours with seccomp=unconfined, ours-ctr, our VMM's
# container mode alone (no shim, podman or conmon), and ours-vmm-cg, our VMM alone, both in the
# shim's cgroups, tell those parts' share of it; ours-ctr-bg and qemu-bg are ours-ctr and qemu-cg
# with an idle, attached podman run (crun) beside them); the net section: NET_RUNS (per contender,
# default 3), NET_SECONDS (iperf3 per direction, 10), NET_PINGS (20), NET_REQUESTS (50),
# NET_MEM_MIB (guest RAM, 512); the restore section: RESTORE_RUNS (runs per contender of the
# VMM alone, of `ppc-kvm-shim run` and of `podman run --rm`, each after a run 0 kept apart;
# default 5), RESTORE_GUESTS (idle guests measured at once, cold then restored, default 16),
# RESTORE_MEM_MIB (their size, default 256), RESTORE_TEMPLATE_DIR (the shim's template store
# for the section, emptied before and after it, default /var/lib/ppc-kvm-shim/bench-templates:
# on L1's disk, like the shim's default).
# Needs what tests/e2e/run-l1.sh needs, the build's binaries and kernels, and installs
# gnuplot-nox and python3 from apt when missing. About an hour and a half with the defaults (--only
# share: about 40 minutes; --only net: about 20; --only restore: about 10).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
results=$top/build/bench-results bin_dir=$top/build/ppc64le/bin vmm=""
all_sections="boot breakdown start memory exec density share net restore" sections=$all_sections
while [ $# -gt 0 ]; do
  case "$1" in
    --results) results=$2; shift 2 ;;
    --bin-dir) bin_dir=$2; shift 2 ;;
    --vmm) vmm=$2; shift 2 ;;
    --only) sections=${2//,/ }; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-suite: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
say() { echo "run-suite: $*" >&2; }
for s in $sections; do
  [[ " $all_sections " == *" $s "* ]] || { say "unknown section '$s' (known: $all_sections)"; exit 2; }
done
export E2E_MEMORY=${E2E_MEMORY:-2G}
RUNS=${RUNS:-10} START_RUNS=${START_RUNS:-5} QEMU_STOCK=${QEMU_STOCK:-1}
DENSITY_SECONDS=${DENSITY_SECONDS:-180} DENSITY_MAX=${DENSITY_MAX:-40} DENSITY_MEM_MIB=${DENSITY_MEM_MIB:-512}
DENSITY_RESERVE_MIB=${DENSITY_RESERVE_MIB:-200}
CREATE_RUNS=${CREATE_RUNS:-5} FS_RUNS=${FS_RUNS:-3} FS_FILES=${FS_FILES:-2000} FS_MEM_MIB=${FS_MEM_MIB:-512}
FS_CONTENDERS=${FS_CONTENDERS:-ours ours-vmm ours-vmm-of qemu qemu-cg crun}
NET_RUNS=${NET_RUNS:-3} NET_SECONDS=${NET_SECONDS:-10} NET_PINGS=${NET_PINGS:-20} NET_REQUESTS=${NET_REQUESTS:-50} NET_MEM_MIB=${NET_MEM_MIB:-512}
RESTORE_RUNS=${RESTORE_RUNS:-5} RESTORE_GUESTS=${RESTORE_GUESTS:-16} RESTORE_MEM_MIB=${RESTORE_MEM_MIB:-256}
RESTORE_TEMPLATE_DIR=${RESTORE_TEMPLATE_DIR:-/var/lib/ppc-kvm-shim/bench-templates}
for c in $FS_CONTENDERS; do
  known="ours ours-cold ours-nosec ours-ctr ours-ctr-bg ours-vmm ours-vmm-cg ours-vmm-of qemu qemu-cg qemu-bg crun"
  [[ " $known " == *" $c "* ]] || { say "FS_CONTENDERS: unknown contender '$c' (known: $known)"; exit 2; }
done

# ---- tools on this machine: the report and the plot -----------------------------------------
missing=()
command -v gnuplot >/dev/null || missing+=(gnuplot-nox)
command -v python3 >/dev/null || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

# ---- inputs: binaries and kernels -------------------------------------------------------------
for f in ppc-kvm-shim ppc-kvm-vmm ppc-kvm-agent vsock_host vsock_peer; do
  [ -x "$bin_dir/$f" ] || { say "no $bin_dir/$f (build the ppc64le-cross preset first)"; exit 1; }
done
guest=$(readlink -f "$top/build/ppc64le/share/guest-vmlinux")
stock=$(readlink -f "$top/build/ppc64le/share-stock/stock-vmlinux")
[ -r "$guest" ] && [ -r "$stock" ] || { say "guest or stock kernel missing under build/ppc64le/share*"; exit 1; }
work=$(mktemp -d /tmp/ppc-kvm-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/share" "$results"
cp "$bin_dir"/* "$work/bin/"
[ -z "$vmm" ] || cp "$vmm" "$work/bin/ppc-kvm-vmm"
# QEMU's firmware (VOF or SLOF) enters a kernel as an Open Firmware client, through
# prom_init, which the shipped minimal kernel leaves out (our VMM needs none): the same
# configuration plus the OF trampoline is the kernel both boot. Built and cached by the
# project's own kernel script (minutes the first time, then instant). It also has virtio on
# PCI, the only transport QEMU's pSeries offers (the share section's vhost-user-fs-pci); our
# VMM's guests have no PCI devices, so that driver finds nothing there.
{ cat "$top/kernel/guest.fragment"
  printf '\n# Benchmark variant: prom_init, so that QEMU (VOF or SLOF) can enter it as an OF client,\n'
  printf '# and virtio-pci, the transport of QEMU pSeries.\nCONFIG_PPC_OF_BOOT_TRAMPOLINE=y\nCONFIG_VIRTIO_PCI=y\n'
} > "$work/guest-of.fragment"
say "guest kernel with the OF trampoline (kernel/build-kernel.sh, cached)"
of_dir=$("$top/kernel/build-kernel.sh" "$work/guest-of.fragment" guest-of "$top/kernel/patches/guest")
cp "$guest" "$work/share/guest-vmlinux"
cp "$of_dir/vmlinux" "$work/share/guest-of-vmlinux"
cp "$stock" "$work/share/stock-vmlinux"
# The rig's case library (guest fixtures, wait_for_line, boot_vsock_guest), sourced in L1.
mkdir -p "$work/share/rig" "$work/share/bench"
cp "$top/tests/rig/case_lib.sh" "$top/tests/rig/checks.sh" "$work/share/rig/"
# The suite's sections kept in files of their own, sourced in L1.
cp "$top/tests/bench/cases/share_l1.sh" "$top/tests/bench/cases/net_l1.sh" "$top/tests/bench/cases/restore_l1.sh" "$work/share/bench/"
# run-l1.sh takes a case file, no arguments: the settings go in as its first lines, with the
# L1 machine's caps, which QEMU's guests in L1 must ask for too.
. "$top/tests/rig/l1_boot.sh"  # L1_PSERIES_CAPS
{ echo "RUNS=$RUNS START_RUNS=$START_RUNS QEMU_STOCK=$QEMU_STOCK DENSITY_SECONDS=$DENSITY_SECONDS DENSITY_MAX=$DENSITY_MAX"
  echo "QEMU_CAPS=$L1_PSERIES_CAPS"
  echo "DENSITY_MEM_MIB=$DENSITY_MEM_MIB DENSITY_RESERVE_MIB=$DENSITY_RESERVE_MIB"
  echo "CREATE_RUNS=$CREATE_RUNS FS_RUNS=$FS_RUNS FS_FILES=$FS_FILES FS_MEM_MIB=$FS_MEM_MIB FS_CONTENDERS='$FS_CONTENDERS'"
  echo "NET_RUNS=$NET_RUNS NET_SECONDS=$NET_SECONDS NET_PINGS=$NET_PINGS NET_REQUESTS=$NET_REQUESTS NET_MEM_MIB=$NET_MEM_MIB"
  echo "RESTORE_RUNS=$RESTORE_RUNS RESTORE_GUESTS=$RESTORE_GUESTS RESTORE_MEM_MIB=$RESTORE_MEM_MIB RESTORE_TEMPLATE_DIR='$RESTORE_TEMPLATE_DIR'"
  echo "SECTIONS='$sections'"
  cat "$top/tests/bench/cases/suite_l1.sh"; } > "$work/suite_case.sh"

# ---- the run ----------------------------------------------------------------------------------
say "one L1 ($E2E_MEMORY), sections: $sections; RUNS=$RUNS START_RUNS=$START_RUNS; output in $results"
start=$(date +%s)
status=0
"$top/tests/e2e/run-l1.sh" --case "$work/suite_case.sh" --bin-dir "$work/bin" --share-dir "$work/share" \
  --timeout 7200 --log "$results/l1-serial.log" > "$results/l1-output.txt" || status=$?
elapsed=$(( $(date +%s) - start ))
say "L1 run ended with status $status after $elapsed s"
# run-l1.sh prints the case's output when L1 ends; killed, it prints nothing: what L1 measured
# until then is in the serial log.
if ! grep -q '^BENCH-SAMPLE ' "$results/l1-output.txt" && grep -aq '^BENCH-SAMPLE ' "$results/l1-serial.log"; then
  say "no case output (the L1 run was cut short): the samples come from the serial log"
  sed -n '/^RIG-BEGIN/,$p' "$results/l1-serial.log" | tr -d '\r' >> "$results/l1-output.txt"
fi

# ---- report and plot --------------------------------------------------------------------------
vmm_id=$(sha256sum "$work/bin/ppc-kvm-vmm" | cut -c1-12)
python3 "$top/tests/bench/report.py" "$results/l1-output.txt" "$results" \
  "date=$(date -u +%Y-%m-%dT%H:%MZ)" "commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$top" diff --quiet 2>/dev/null || echo +changes)" \
  "ppc-kvm-vmm sha256=$vmm_id" "L1 memory=$E2E_MEMORY" "L1 run status=$status" "L1 run seconds=$elapsed" \
  "density reserve=${DENSITY_RESERVE_MIB} MiB" "RUNS=$RUNS" "START_RUNS=$START_RUNS" \
  "CREATE_RUNS=$CREATE_RUNS" "FS_RUNS=$FS_RUNS" "FS_FILES=$FS_FILES" "FS_MEM_MIB=$FS_MEM_MIB" "FS_CONTENDERS=$FS_CONTENDERS" \
  "NET_RUNS=$NET_RUNS" "NET_SECONDS=$NET_SECONDS" "NET_REQUESTS=$NET_REQUESTS" "RESTORE_RUNS=$RESTORE_RUNS" \
  "RESTORE_GUESTS=$RESTORE_GUESTS" "RESTORE_MEM_MIB=$RESTORE_MEM_MIB" "RESTORE_TEMPLATE_DIR=$RESTORE_TEMPLATE_DIR" "sections=$sections" > /dev/null
# One box per contender (gnuplot places them at x = 1..N); a failed plot leaves the tables.
plot() {
  local n
  n=$(cut -d' ' -f1 "$results/boot-times.dat" | sort -u | wc -l)
  gnuplot <<EOF
set terminal pngcairo size 1000,600 noenhanced
set output "$results/boot-times.png"
set title "Boot to userspace (fork to /init marker), one L1 run, RUNS=$RUNS each"
set ylabel "ms (emulated POWER9 L1: compare ratios, not absolute times)"
set style fill solid 0.3 border -1
set style boxplot outliers pointtype 7
set style data boxplot
set boxwidth 0.5
set xrange [0.5:$n.5]
set yrange [0:*]
set grid ytics
unset key
plot "$results/boot-times.dat" using (1):2:(0.5):1 lc rgb "#3070b0"
EOF
}
if [ -s "$results/boot-times.dat" ]; then
  plot || say "gnuplot failed: no boot-times.png"
else
  say "no boot samples: no plot"
fi
say "results: $results/results.md, results.json, boot-times.png"
cat "$results/results.md"
exit "$status"
