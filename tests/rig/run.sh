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
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/serial_watch.sh"  # RIG_* statuses, watch_serial_and_exit
top=$(cd "$here/../.." && pwd)

profile="" case_file="" bin_dir="" share_dir="" timeout=300 log="" append=""
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) profile=$2; shift 2 ;;
    --case) case_file=$2; shift 2 ;;
    --bin-dir) bin_dir=$2; shift 2 ;;
    --share-dir) share_dir=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --append) append=$2; shift 2 ;;
    *) echo "rig: unknown argument '$1'" >&2; exit $RIG_FAILURE ;;
  esac
done
fail() { echo "rig: $*" >&2; exit $RIG_FAILURE; }
[ "$profile" = pr ] || [ "$profile" = hv ] || fail "--profile must be pr or hv"
[ -r "$case_file" ] || fail "--case: cannot read '$case_file'"

"$here/install-deps.sh" || fail "installing dependencies failed"
kernel_dir=$("$top/kernel/build-kernel.sh" "$here/l1-host-kernel.fragment" l1-host) || fail "building the L1 kernel failed"
busybox=$("$here/fetch-busybox.sh") || fail "fetching busybox-static:ppc64el failed"
virtiofsd=$("$here/fetch-virtiofsd.sh") || fail "fetching Debian's ppc64el virtiofsd failed"

work=$(mktemp -d /tmp/ppc-kvm-rig.XXXXXX)
trap 'rm -rf "$work"' EXIT
keep_log=$log; [ -n "$log" ] || log=$work/serial.log
mkdir -p "$(dirname "$log")" && : > "$log"

# The L1 initramfs: busybox, the kernel's modules, virtiofsd (Debian's, at its Debian path,
# with its dynamic linker and libraries), our binaries, the case script.
root=$work/root
mkdir -p "$root"/{bin,rig,opt/ppc-kvm-shim/bin,opt/ppc-kvm-shim/share,lib}
cp "$busybox" "$root/bin/busybox"
cp -a "$kernel_dir/modules/lib/modules" "$root/lib/"
cp -a "$virtiofsd"/usr "$virtiofsd"/lib "$virtiofsd"/lib64 "$root/"
cp "$here/l1-init.sh" "$root/init"
cp "$case_file" "$root/rig/case.sh"
# Helpers every case may source.
cp "$here/case_lib.sh" "$root/rig/case_lib.sh"
if [ -n "$bin_dir" ]; then
  for f in "$bin_dir"/*; do [ -f "$f" ] && [ -x "$f" ] && cp "$f" "$root/opt/ppc-kvm-shim/bin/"; done
  # Without debug information: it would make L1's initramfs larger than powernv8 can load
  # (QEMU: "Could not load initial ram disk"), and slower to boot.
  strip=$(command -v powerpc64le-linux-gnu-strip || { [ "$(uname -m)" = ppc64le ] && command -v strip; } || true)
  [ -n "$strip" ] && "$strip" --strip-debug "$root"/opt/ppc-kvm-shim/bin/* 2>/dev/null
fi
if [ -n "$share_dir" ] && [ -d "$share_dir" ]; then
  cp -rL "$share_dir"/. "$root/opt/ppc-kvm-shim/share/" || fail "copying $share_dir failed"
fi
chmod +x "$root/init"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$work/initramfs.cpio" || fail "packing the L1 initramfs failed"

machine=()
case "$profile" in
  pr) machine=(-machine powernv8 -cpu POWER8
               -device ipmi-bmc-sim,id=bmc0 -device isa-ipmi-bt,bmc=bmc0,irq=10) ;;  # power-off ends QEMU
  hv) machine=(-machine pseries,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off,cap-nested-hv=on,x-vof=on
               -cpu POWER9) ;;
esac

echo "rig: profile $profile, case $(basename "$case_file")${keep_log:+, serial log $log}"
start=$(date +%s)
qemu-system-ppc64 "${machine[@]}" -nodefaults -m 2G -smp 1 -display none -monitor none -no-reboot \
  -serial "file:$log" -kernel "$kernel_dir/vmlinux" -initrd "$work/initramfs.cpio" \
  -append "console=hvc0 panic=-1 quiet rig.profile=$profile $append" &
qemu=$!

watch_serial_and_exit rig "$qemu" "$log" "$start" "$timeout"
