# Runs in L1: our VMM boots Debian's stock ppc64el kernel (a kernel we did not configure)
# to the same userspace marker as the minimal one, and the guest powers off cleanly.
. /rig/case_lib.sh
make_marker_initramfs /tmp/guest.cpio 'GUEST-USERSPACE-MARKER $(/bin/busybox uname -r)'
ppc-kvm-vmm --kernel $SHARE/stock-vmlinux --initrd /tmp/guest.cpio --memory 512M \
  --cmdline "console=hvc0 panic=-1 quiet" --console /tmp/console.log
rc=$?
tail -3 /tmp/console.log
if [ "$rc" -eq 0 ]; then ok "VMM exited 0"; else fail "VMM exited $rc"; finish; fi
expect_line /tmp/console.log "GUEST-USERSPACE-MARKER 6.1.0-.*-powerpc64le"
finish
