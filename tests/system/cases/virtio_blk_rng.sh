# Runs in L1: the guest mounts a virtio-blk ext4 image read-only and reads a known file; a
# write is refused by the device; virtio-rng is the guest's hardware random source. Then each
# device's queues are notified at addresses of their own (kernel/patches/guest/0005), which
# KVM-HV signals without fetching the guest's instruction.
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

echo "== queue notifications by address"
# 2,048 direct reads of 64 KiB (the guest's page: busybox's dd aligns its buffer for
# O_DIRECT only from a page up, and falls back to cached reads otherwise), one at a time: one
# request, so one notification, each. The guest counts the disk's read requests, then waits, so
# that its VM's KVM counters can be read while it lives.
make_initramfs /tmp/kicks.cpio <<'INIT'
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox grep virtio_mmio /proc/iomem | /bin/busybox sed 's/^ */guest-iomem: /'
read -r before _ < /sys/block/vda/stat
for pass in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
  /bin/busybox dd if=/dev/vda of=/dev/null bs=65536 iflag=direct 2>/dev/null
done
read -r after _ < /sys/block/vda/stat
echo "guest-requests: $((after - before))"
echo "guest-kicked"
while true; do /bin/busybox sleep 1000; done
INIT
ppc-kvm-vmm --kernel $SHARE/guest-vmlinux --initrd /tmp/kicks.cpio --memory 256M --drive /tmp/disk.img,ro \
  --cmdline "console=hvc0 panic=-1 quiet" --console /tmp/kicks.log 2>/tmp/kicks-vmm.log &
vmm=$!
if expect_line_soon /tmp/kicks.log "^guest-kicked" 400; then
  tr -d '\r' < /tmp/kicks.log | grep '^guest-'
  requests=$(tr -d '\r' < /tmp/kicks.log | sed -n 's/^guest-requests: //p')
  [ "${requests:-0}" -ge 2048 ] && ok "$requests read requests" || fail "read requests: '$requests' (2,048 direct reads)"
  # The driver claims each window of a device as "ADDRESS.virtio_mmio virtio_mmio@ADDRESS":
  # two per device, the registers and the notify addresses; a driver without the notify
  # window claims one.
  windows=$(tr -d '\r' < /tmp/kicks.log | sed -n 's/^guest-iomem: [0-9a-f]*-[0-9a-f]* : \([0-9a-f]*\.virtio_mmio\) .*/\1/p' |
    sort | uniq -c | awk '{ print $1 }' | sort -u)
  [ "$windows" = 2 ] && ok "each virtio-mmio device's driver maps its notify window" || fail "windows claimed per device: '$windows'"
  if grep -q "KVM-HV radix" /tmp/kicks-vmm.log; then
    # KVM-HV fetches and decodes the guest's instruction (its "ld" counter) for an MMIO store
    # unless an address-only ioeventfd claims it: the notifications alone would be as many as
    # the requests.
    mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
    set -- /sys/kernel/debug/kvm/*-*/ld
    if [ $# -eq 1 ] && [ -r "$1" ]; then
      fetched=$(cat "$1")
      [ $((fetched * 2)) -lt "${requests:-0}" ] && ok "KVM fetched $fetched guest instructions for $requests notifications and the boot" ||
        fail "KVM fetched $fetched guest instructions: the notifications took the decoding path"
    else
      fail "no single VM's counters under /sys/kernel/debug/kvm: $*"
    fi
  else
    echo "not KVM-HV radix: KVM-PR decodes every MMIO store (it has no fast MMIO bus); its counters are not checked"
  fi
else
  cat /tmp/kicks-vmm.log
fi
kill $vmm; wait $vmm
finish
