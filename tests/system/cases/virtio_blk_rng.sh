# Runs in L1: the guest mounts a virtio-blk ext4 image read-only and reads a known file; a
# write is refused by the device; virtio-rng is the guest's hardware random source.
. /rig/case_lib.sh
make_initramfs /tmp/guest.cpio <<'INIT'
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox mount -t ext4 -o ro /dev/vda /mnt && echo "guest-mounted"
echo "guest-file: $(/bin/busybox cat /mnt/hello.txt)"
/bin/busybox dd if=/dev/zero of=/dev/vda bs=4096 count=1 conv=fsync 2>/dev/null && echo "guest-write: allowed" || echo "guest-write: refused"
echo "guest-ro: $(/bin/busybox cat /sys/block/vda/ro)"
echo "guest-rng: $(/bin/busybox cat /sys/class/misc/hw_random/rng_current)"
/bin/busybox dd if=/dev/hwrng bs=64 count=1 2>/dev/null | /bin/busybox wc -c | /bin/busybox sed 's/^/guest-rng-bytes: /'
/bin/busybox poweroff -f
INIT
cp $SHARE/test-disk.ext4 /tmp/disk.img
sum_before=$(md5sum /tmp/disk.img)
ppc-kvm-vmm --kernel $SHARE/guest-vmlinux --initrd /tmp/guest.cpio --memory 256M --drive /tmp/disk.img,ro \
  --cmdline "console=hvc0 panic=-1 quiet" --console /tmp/console.log
rc=$?
tr -d '\r' < /tmp/console.log | grep '^guest-'
if [ "$rc" -eq 0 ]; then ok "VMM exited 0"; else fail "VMM exited $rc"; fi
expect_line /tmp/console.log "^guest-mounted"
expect_line /tmp/console.log "^guest-file: hello from a virtio-blk disk$"
expect_line /tmp/console.log "^guest-write: refused"
expect_line /tmp/console.log "^guest-ro: 1"
expect_line /tmp/console.log "^guest-rng: virtio_rng"
expect_line /tmp/console.log "^guest-rng-bytes: 64"
if [ "$(md5sum /tmp/disk.img)" = "$sum_before" ]; then ok "image unchanged"; else fail "the read-only image changed"; fi
finish
