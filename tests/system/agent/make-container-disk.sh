#!/usr/bin/env bash
# make-container-disk.sh OUT [PAYLOAD_MIB]: an ext4 image holding a busybox root filesystem
# (the rig's make_busybox_root with Debian's static ppc64le busybox, a link per common applet:
# this machine cannot ask that busybox for its list) and /marker; with PAYLOAD_MIB, also
# /payload of that many MiB of random bytes (the rootfs transport benchmark).
set -euo pipefail
out=$1 payload=${2:-0}
top=$(cd "$(dirname "$0")/../../.." && pwd)
RIG_LIB_DIR=$top/tests/rig
. "$RIG_LIB_DIR/case_lib.sh"  # make_busybox_root
busybox=$("$top/tests/rig/fetch-busybox.sh")
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
BUSYBOX=$busybox make_busybox_root "$root" sh echo cat ls mkdir touch grep head wc md5sum sleep id df mount ps
echo "root filesystem from a virtio-blk disk" > "$root/marker"
if [ "$payload" -gt 0 ]; then head -c $((payload * 1024 * 1024)) /dev/urandom > "$root/payload"; fi
size_kib=$(( $(du -sk "$root" | cut -f1) * 5 / 4 + 8192 ))
rm -f "$out"
/sbin/mke2fs -q -t ext4 -d "$root" "$out" "${size_kib}K"
