#!/usr/bin/env bash
# Boot benchmark (not a test): time to the guest's userspace marker and VM exits by reason,
# for the minimal and Debian's stock kernel under our VMM, from one rig run per profile.
#   tests/bench/boot.sh [pr|hv ...]     (default: hv pr; RUNS=5 boots per kernel)
# Times are the VMM's monotonic clock inside the emulated L1: compare them with each other,
# never with real hardware.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
"$top/tests/build.sh" >/dev/null
share=$(mktemp -d)
trap 'rm -rf "$share"' EXIT
ln -s "$(readlink -f "$top/build/ppc64le/share/guest-vmlinux")" "$share/guest-vmlinux"
ln -s "$(readlink -f "$top/build/ppc64le/share-stock/stock-vmlinux")" "$share/stock-vmlinux"
for p in ${@:-hv pr}; do
    echo "== profile $p"
    "$top/tests/rig/run.sh" --profile "$p" --bin-dir "$top/build/ppc64le/bin" --share-dir "$share" \
      --case "$top/tests/bench/cases/boot_bench.sh" --timeout 1800 --append "RUNS=${RUNS:-5}" | tee "$share/out"
    for k in minimal stock; do
      grep "^BENCH kernel=$k " "$share/out" | sed -n 's/.*stopped \([0-9]*\) ms.*/\1/p' | sort -n |
        awk -v k="$k" -v p="$p" '{a[NR]=$1} END {if (NR) printf "SUMMARY %s %s: boots %d, to power-off median %d ms (min %d, max %d)\n", p, k, NR, a[int((NR+1)/2)], a[1], a[NR]}'
    done
done
