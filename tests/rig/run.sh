#!/usr/bin/env bash
# The PowerPC host rig: boots an emulated POWER machine ("L1 host") under QEMU in one of two
# profiles, with the project's binaries inside, runs one case script there against the real
# /dev/kvm of L1, and returns the script's exit status.
#
#   run.sh --profile pr|hv --case FILE [--bin-dir DIR] [--share-dir DIR] [--timeout S] [--log FILE]
#          [--append ARGS]
#
# Executables in --bin-dir land in L1's PATH (/opt/ppc-kvm-shim/bin); files in --share-dir
# (symlinks followed) in /opt/ppc-kvm-shim/share. Debian 12's virtiofsd is there too, as
# /usr/lib/qemu/virtiofsd (tests/rig/fetch-virtiofsd.sh).
#
#   pr: -machine powernv8 -cpu POWER8, KVM-PR (hash-MMU guests)
#   hv: nested pseries POWER9, KVM-HV (radix guests)
#
# Exit status: the case's own (cases keep theirs below 120), or
#   120 the rig failed (build, QEMU, or L1 died without a result), 121 timeout, 122 L1 panic.
# The serial log goes to --log (default: a temporary file, printed on failure).
# Booting L1 is tests/rig/l1_boot.sh's; what goes into this L1 is fill_l1_root's.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/l1_boot.sh"

L1_NAME=rig L1_TIMEOUT=300
l1_parse_args "profile append" "$@"
l1_machine "$L1_PROFILE"

"$here/install-deps.sh" || l1_fail "installing dependencies failed"
kernel_dir=$("$top/kernel/build-kernel.sh" "$here/l1-host-kernel.fragment" l1-host) || l1_fail "building the L1 kernel failed"
busybox=$("$here/fetch-busybox.sh") || l1_fail "fetching busybox-static:ppc64el failed"
virtiofsd=$("$here/fetch-virtiofsd.sh") || l1_fail "fetching Debian's ppc64el virtiofsd failed"

# fill_l1_root ROOT: L1's initramfs: busybox, the L1 kernel's modules, virtiofsd (Debian's,
# at its Debian path, with its dynamic linker and libraries), /init, the case and the
# libraries it sources (/rig), --bin-dir in PATH, --share-dir.
fill_l1_root() {
  local root=$1
  mkdir -p "$root"/{bin,rig,lib}
  cp "$busybox" "$root/bin/busybox"
  cp -a "$kernel_dir/modules/lib/modules" "$root/lib/"
  cp -a "$virtiofsd"/usr "$virtiofsd"/lib "$virtiofsd"/lib64 "$root/"
  cp "$here/l1-init.sh" "$root/init"
  chmod +x "$root/init"
  cp "$L1_CASE" "$root/rig/case.sh"
  cp "$here/case_lib.sh" "$here/checks.sh" "$root/rig/"
  # Fresh for every boot: L1's /init credits it to L1's entropy pool (rig_seed_entropy).
  head -c 64 /dev/urandom > "$root/rig/entropy-seed" || l1_fail "reading /dev/urandom failed"
  l1_copy_bins "$root/opt/ppc-kvm-shim/bin"
  l1_copy_share "$root/opt/ppc-kvm-shim/share"
}

l1_make_work
fill_l1_root "$L1_WORK/root"
l1_pack_cpio "$L1_WORK/root" "$L1_WORK/initramfs.cpio"

echo "rig: profile $L1_PROFILE, case $(basename "$L1_CASE")${L1_KEEP_LOG:+, serial log $L1_LOG}"
l1_boot "$kernel_dir/vmlinux" "$L1_WORK/initramfs.cpio" 2G 1 "console=hvc0 panic=-1 quiet rig.profile=$L1_PROFILE $L1_APPEND"
