# Runs in L1: a guest whose /init exits makes the kernel panic; the VMM must exit with the
# guest-panic status (4) and name the reason in its log.
. /rig/case_lib.sh
printf '#!/bin/busybox sh\necho "init exiting on purpose"\nexit 1\n' > /tmp/init.sh
make_initramfs /tmp/guest.cpio /tmp/init.sh
ppc-kvm-vmm --kernel $SHARE/guest-vmlinux --initrd /tmp/guest.cpio --memory 256M \
  --cmdline "console=hvc0 panic=-1 quiet" --console /tmp/console.log 2>/tmp/vmm.log
rc=$?
tail -5 /tmp/console.log
cat /tmp/vmm.log
[ "$rc" -eq 4 ] || { echo "FAIL: VMM exited $rc, expected 4 (guest panic)"; exit 1; }
grep -q "guest kernel panic: .*Attempted to kill init" /tmp/vmm.log || { echo "FAIL: the VMM log does not give the panic"; exit 1; }
echo "PASS: panic reported"
