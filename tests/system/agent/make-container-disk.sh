#!/usr/bin/env bash
# make-container-disk.sh OUT [PAYLOAD_MIB]: an ext4 image holding a busybox root filesystem
# (Debian's static ppc64le busybox, a link per common applet) and /marker; with PAYLOAD_MIB,
# also /payload of that many MiB of random bytes (the rootfs transport benchmark).
set -euo pipefail
out=$1 payload=${2:-0}
top=$(cd "$(dirname "$0")/../../.." && pwd)
busybox=$("$top/tests/rig/fetch-busybox.sh")
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,proc,sys,dev,tmp,etc,root}
cp "$busybox" "$root/bin/busybox"
for applet in sh echo cat ls mkdir touch grep head wc md5sum sleep id df mount ps; do ln -s busybox "$root/bin/$applet"; done
echo "root filesystem from a virtio-blk disk" > "$root/marker"
if [ "$payload" -gt 0 ]; then head -c $((payload * 1024 * 1024)) /dev/urandom > "$root/payload"; fi
size_kib=$(( $(du -sk "$root" | cut -f1) * 5 / 4 + 8192 ))
rm -f "$out"
/sbin/mke2fs -q -t ext4 -d "$root" "$out" "${size_kib}K"
