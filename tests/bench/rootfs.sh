#!/usr/bin/env bash
# Rootfs transport benchmark (not a test): how a 100 MiB container root filesystem best
# reaches the guest. Compares, in one rig run per profile, interleaved:
#   cpio  the rootfs inside the initramfs (ppc-kvm-rootfs), unpacked into guest RAM;
#   disk  an ext4 image (mke2fs -d) on a read-only virtio-blk drive, a tmpfs overlay on top.
# Reports build time (on this build machine), guest RAM in use when the container's first
# process runs (MemTotal - MemAvailable), and time from VMM start to the end of that first
# process in L1 (agent_ctl run of a process that reads /proc/meminfo).
#   tests/bench/rootfs.sh [pr|hv ...]   (default: hv; RUNS=3 per transport; PAYLOAD_MIB=100)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
payload=${PAYLOAD_MIB:-100}
"$top/tests/build.sh" >/dev/null
share=$(mktemp -d)
trap 'rm -rf "$share"' EXIT
ln -s "$(readlink -f "$top/build/ppc64le/share/guest-vmlinux")" "$share/guest-vmlinux"

# Both artefacts from the same tree. ppc-kvm-rootfs runs natively from an optimized build of
# the portable code, as mke2fs does.
cmake -S "$top" -B "$top/build/bench-host" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$top/build/bench-host" --target ppc-kvm-rootfs >/dev/null
tree=$(mktemp -d)
"$top/tests/system/agent/make-container-disk.sh" "$share/source.ext4" "$payload"
# The disk's own tree, unpacked again for the cpio (debugfs rdump: no mount needed).
mkdir -p "$tree/root"
/sbin/debugfs -R "rdump / $tree/root" "$share/source.ext4" >/dev/null 2>&1
rm -rf "$tree/root/lost+found" "$share/source.ext4"
start=$(date +%s%N)
"$top/build/bench-host/bin/ppc-kvm-rootfs" --agent "$top/build/ppc64le/bin/ppc-kvm-agent" --rootfs "$tree/root" -o "$share/rootfs.cpio"
cpio_ms=$(( ($(date +%s%N) - start) / 1000000 ))
# The same tree into an image the way make-container-disk.sh makes one.
size_kib=$(( $(du -sk "$tree/root" | cut -f1) * 5 / 4 + 8192 ))
rm -f "$share/rootfs-disk.ext4"
start=$(date +%s%N)
/sbin/mke2fs -q -t ext4 -d "$tree/root" "$share/rootfs-disk.ext4" "${size_kib}K"
disk_ms=$(( ($(date +%s%N) - start) / 1000000 ))
mkdir -p "$tree/empty"
"$top/build/bench-host/bin/ppc-kvm-rootfs" --agent "$top/build/ppc64le/bin/ppc-kvm-agent" --rootfs "$tree/empty" -o "$share/agent-only.cpio"
rm -rf "$tree"
echo "BUILD cpio ${cpio_ms} ms ($(du -m "$share/rootfs.cpio" | cut -f1) MiB); disk (mke2fs -d) ${disk_ms} ms ($(du -m "$share/rootfs-disk.ext4" | cut -f1) MiB image)"

for p in ${@:-hv}; do
  echo "== profile $p"
  "$top/tests/rig/run.sh" --profile "$p" --bin-dir "$top/build/ppc64le/bin" --share-dir "$share" \
    --case "$top/tests/bench/cases/rootfs_bench.sh" --timeout 1800 --append "RUNS=${RUNS:-3}" | tee "$share/out"
  median() {  # median FIELD TRANSPORT: of that key=value field over the transport's runs
    grep "^BENCH transport=$2 " "$share/out" | tr ' ' '\n' | sed -n "s/^$1=//p" | sort -n |
      awk '{a[NR] = $1} END {if (NR) print a[int((NR + 1) / 2)]; else print "n/a"}'
  }
  for t in cpio disk; do
    echo "SUMMARY $p $t: runs $(grep -c "^BENCH transport=$t " "$share/out"), medians: VMM start to the first process's end $(median first_process_ms $t) ms (guest uptime when it ran $(median guest_uptime_ms $t) ms), guest RAM in use $(( $(median ram_used_kib $t) / 1024 )) MiB"
  done
done
