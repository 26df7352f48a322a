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
. "$here/../rig/l1_boot.sh"

L1_NAME=e2e L1_TIMEOUT=900
l1_parse_args "" "$@"

# The image is built (or found in the cache) before the clock starts: --timeout times the run.
image=$("$here/build-l1-image.sh") || l1_fail "building the L1 image failed"
image_dir=$(dirname "$image")

# fill_payload DIR: this run's payload, appended to the cached stage-1 initramfs as a second
# cpio archive (the kernel unpacks both): stage 1 copies /payload to /e2e on the root disk.
fill_payload() {
  local payload=$1
  mkdir -p "$payload"
  cp "$here/l1/stage2-init.sh" "$payload/stage2-init.sh"
  cp "$here/case_lib.sh" "$here/../rig/checks.sh" "$payload/"
  cp "$L1_CASE" "$payload/case.sh"
  # Every case, for a case that runs another in the same boot (crun_baseline runs conformance).
  mkdir -p "$payload/cases" && cp "$here"/cases/*.sh "$payload/cases/"
  # The CRI client the containerd case drives containerd's CRI plugin with.
  mkdir -p "$payload/cri" && cp "$here"/cri/cri.py "$here"/cri/cri.proto "$payload/cri/"
  l1_copy_bins "$payload/bin"
  l1_copy_share "$payload/share"
}

l1_make_work
fill_payload "$L1_WORK/payload-root/payload"
l1_pack_cpio "$L1_WORK/payload-root" "$L1_WORK/payload.cpio"
cat "$image_dir/initrd.cpio" "$L1_WORK/payload.cpio" > "$L1_WORK/initrd.cpio"
rm -rf "$L1_WORK/payload-root" "$L1_WORK/payload.cpio"

# The rig's HV profile. -smp 2: L1 gets two CPUs (QEMU runs one TCG thread per vCPU).
l1_machine hv
smp=${E2E_SMP:-2} memory=${E2E_MEMORY:-3G}
echo "e2e: case $(basename "$L1_CASE"), image $image_dir, ${smp} CPUs, $memory${L1_KEEP_LOG:+, serial log $L1_LOG}"
# snapshot=on: writes go to a temporary qcow2 overlay that QEMU creates in $TMPDIR ($L1_WORK).
l1_boot "$image_dir/vmlinux" "$L1_WORK/initrd.cpio" "$memory" "$smp" "console=hvc0 panic=-1 quiet" \
  -drive if=none,id=root,file="$image",format=raw,snapshot=on -device virtio-blk-pci,drive=root
