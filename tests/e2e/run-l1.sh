#!/usr/bin/env bash
# Boots the end-to-end L1 host (Debian ppc64el userspace with podman, crun, runc, conmon,
# containerd, built by build-l1-image.sh) in the rig's HV profile (nested pseries POWER9,
# KVM-HV inside, Debian's stock ppc64el kernel), installs the project's binaries there as a
# user would, runs one case script (bash) and returns its exit status.
#
#   run-l1.sh --case FILE [--bin-dir DIR] [--share-dir DIR] [--timeout S] [--log FILE]
#
# Same contract as tests/rig/run.sh: exit status is the case's own (cases keep theirs below
# 120), or 120 the rig failed (image build, QEMU, or L1 died without a result), 121 timeout,
# 122 L1 kernel panic. The case's output (RIG-BEGIN .. RIG-RESULT) is printed; the whole
# serial log goes to --log (default: a temporary file, its tail printed on failure).
#
# Inside L1 (see l1/stage2-init.sh): --bin-dir's ppc-kvm-shim in /usr/local/bin, ppc-kvm-vmm
# and ppc-kvm-agent in /usr/libexec/ppc-kvm-shim/, --share-dir's guest-vmlinux in
# /usr/share/ppc-kvm-shim/, /etc/ppc-kvm-shim/config.json, podman's runtime `ppc-kvm-shim` and
# containerd's runtime handler `ppc-kvm` (each only if the file is there); every executable of
# --bin-dir in /opt/ppc-kvm-shim/bin (last in PATH), --share-dir (symlinks followed) in
# /opt/ppc-kvm-shim/share; the case sees $E2E_BIN, $E2E_SHARE and can source /e2e/case_lib.sh.
#
# The cached image is attached read-only with a throw-away overlay (QEMU's snapshot=on, in
# this run's temporary folder): every run starts from the same pristine image.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../rig/serial_watch.sh"  # RIG_* statuses, watch_serial_and_exit

case_file="" bin_dir="" share_dir="" timeout=900 log=""
while [ $# -gt 0 ]; do
  case "$1" in
    --case) case_file=$2; shift 2 ;;
    --bin-dir) bin_dir=$2; shift 2 ;;
    --share-dir) share_dir=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    *) echo "e2e: unknown argument '$1'" >&2; exit $RIG_FAILURE ;;
  esac
done
fail() { echo "e2e: $*" >&2; exit $RIG_FAILURE; }
[ -r "$case_file" ] || fail "--case: cannot read '$case_file'"
[ -z "$bin_dir" ] || [ -d "$bin_dir" ] || fail "--bin-dir: no folder '$bin_dir'"
[ -z "$share_dir" ] || [ -d "$share_dir" ] || fail "--share-dir: no folder '$share_dir'"

# The image is built (or found in the cache) before the clock starts: --timeout times the run.
image=$("$here/build-l1-image.sh") || fail "building the L1 image failed"
image_dir=$(dirname "$image")

work=$(mktemp -d /tmp/ppc-kvm-e2e.XXXXXX)
qemu=""
cleanup() {
  if [ -n "$qemu" ]; then kill "$qemu" 2>/dev/null || true; wait "$qemu" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
keep_log=$log; [ -n "$log" ] || log=$work/serial.log
mkdir -p "$(dirname "$log")" && : > "$log"

# This run's payload, appended to the cached stage-1 initramfs as a second cpio archive (the
# kernel unpacks both): stage 1 copies /payload to /e2e on the root disk.
payload=$work/payload-root/payload
mkdir -p "$payload/bin" "$payload/share"
cp "$here/l1/stage2-init.sh" "$payload/stage2-init.sh"
cp "$here/case_lib.sh" "$payload/case_lib.sh"
cp "$case_file" "$payload/case.sh"
if [ -n "$bin_dir" ]; then
  for f in "$bin_dir"/*; do [ -f "$f" ] && [ -x "$f" ] && cp "$f" "$payload/bin/"; done
  # Without debug information, as in the rig: a smaller payload boots faster.
  strip=$(command -v powerpc64le-linux-gnu-strip || { [ "$(uname -m)" = ppc64le ] && command -v strip; } || true)
  if [ -n "$strip" ]; then "$strip" --strip-debug "$payload"/bin/* 2>/dev/null || true; fi
fi
if [ -n "$share_dir" ]; then
  cp -rL "$share_dir"/. "$payload/share/" || fail "copying $share_dir failed"
fi
(cd "$work/payload-root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$work/payload.cpio" ||
  fail "packing the payload failed"
cat "$image_dir/initrd.cpio" "$work/payload.cpio" > "$work/initrd.cpio"
rm -rf "$work/payload-root" "$work/payload.cpio"

# The rig's HV profile (tests/rig/run.sh): nested KVM-HV on an emulated POWER9 pSeries.
# -smp 2: L1 gets two CPUs (QEMU runs one TCG thread per vCPU).
machine=(-machine pseries,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off,cap-nested-hv=on,x-vof=on
         -cpu POWER9)
smp=${E2E_SMP:-2} memory=${E2E_MEMORY:-3G}
echo "e2e: case $(basename "$case_file"), image $image_dir, ${smp} CPUs, $memory${keep_log:+, serial log $log}"
start=$(date +%s)
# snapshot=on: writes go to a temporary qcow2 overlay that QEMU creates in $TMPDIR.
TMPDIR=$work qemu-system-ppc64 "${machine[@]}" -nodefaults -m "$memory" -smp "$smp" \
  -display none -monitor none -no-reboot -serial "file:$log" \
  -kernel "$image_dir/vmlinux" -initrd "$work/initrd.cpio" \
  -append "console=hvc0 panic=-1 quiet" \
  -drive if=none,id=root,file="$image",format=raw,snapshot=on -device virtio-blk-pci,drive=root &
qemu=$!

watch_serial_and_exit e2e "$qemu" "$log" "$start" "$timeout"
