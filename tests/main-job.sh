#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine. Until the runtime exists: builds the project,
# shows a guest's hypercall reaching our code (kvm_smoke), and boots the minimal guest kernel
# under our VMM and real PowerPC KVM to a userspace marker (checking vCPUs and memory). On x86_64 that happens inside the PowerPC host rig (an emulated
# POWER machine), in both KVM flavours; on a POWER host with /dev/kvm, directly.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

"$top/tests/build.sh" >/dev/null
bin=$top/build/ppc64le/bin
if [ "$(uname -m)" = ppc64le ] && [ -c /dev/kvm ]; then
  # Directly on this POWER host: a busybox initramfs whose /init prints a marker and powers off.
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/root/bin"
  cp "$("$top/tests/rig/fetch-busybox.sh")" "$work/root/bin/busybox"
  printf '#!/bin/busybox sh\necho "GUEST-USERSPACE-MARKER: hello from a PowerPC KVM guest, $(/bin/busybox uname -r)"\n/bin/busybox poweroff -f\n' > "$work/root/init"
  chmod +x "$work/root/init"
  (cd "$work/root" && find . | cpio -o -H newc --quiet) > "$work/initramfs.cpio"
  exec "$bin/ppc-kvm-vmm" --kernel "$top/build/ppc64le/share/guest-vmlinux" --initrd "$work/initramfs.cpio" \
    --memory 256M --cmdline "console=hvc0 panic=-1 quiet" --console -
fi
# In each KVM flavour: a guest's PAPR hypercalls reach us (kvm_smoke prints them), then our
# VMM boots the guest kernel to its userspace marker.
for profile in hv pr; do
  for case in kvm_smoke guest_boot; do
    "$top/tests/rig/run.sh" --profile "$profile" --bin-dir "$bin" --share-dir "$top/build/ppc64le/share" \
      --case "$top/tests/system/cases/$case.sh"
  done
done
