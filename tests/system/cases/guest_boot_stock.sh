# Runs in L1: our VMM boots Debian's stock ppc64el kernel (a kernel we did not configure)
# to the same userspace marker as the minimal one, and the guest powers off cleanly.
. /rig/case_lib.sh
cat > /tmp/init.sh <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
echo "GUEST-USERSPACE-MARKER $(/bin/busybox uname -r)"
/bin/busybox poweroff -f
INIT
make_initramfs /tmp/guest.cpio /tmp/init.sh
ppc-kvm-vmm --kernel $SHARE/stock-vmlinux --initrd /tmp/guest.cpio --memory 512M \
  --cmdline "console=hvc0 panic=-1 quiet" --console /tmp/console.log
rc=$?
tail -3 /tmp/console.log
[ "$rc" -eq 0 ] || { echo "FAIL: VMM exited $rc"; exit 1; }
expect_line /tmp/console.log "GUEST-USERSPACE-MARKER 6.1.0-.*-powerpc64le"
