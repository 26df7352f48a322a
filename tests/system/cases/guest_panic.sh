# Runs in L1: a guest whose /init exits makes the kernel panic; the VMM must exit with the
# guest-panic status (4) and name the reason in its log.
. /rig/case_lib.sh
printf 'echo "init exiting on purpose"\nexit 1\n' | make_initramfs /tmp/guest.cpio
ppc-kvm-vmm --kernel $SHARE/guest-vmlinux --initrd /tmp/guest.cpio --memory 256M \
  --cmdline "console=hvc0 panic=-1 quiet" --console /tmp/console.log 2>/tmp/vmm.log
rc=$?
tail -5 /tmp/console.log
cat /tmp/vmm.log
if [ "$rc" -eq 4 ]; then ok "VMM exited 4 (guest panic)"; else fail "VMM exited $rc, expected 4 (guest panic)"; fi
if grep -q "guest kernel panic: .*Attempted to kill init" /tmp/vmm.log; then ok "the VMM log gives the panic"
else fail "the VMM log does not give the panic"; fi
finish
