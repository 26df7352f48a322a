#!/bin/busybox sh
# Stage 1 of the e2e L1 host (/init of a small busybox initramfs, Debian's stock kernel):
# loads the modules that reach the root disk (virtio-pci, virtio-blk, ext4 are modules in
# that kernel), mounts the Debian image on /dev/vda, copies in this run's payload (the case,
# the project's binaries, stage 2; appended to the initramfs by run-l1.sh) and switches root
# to stage 2. Any failure is reported on the console and powers off, so the run ends at once.
/bin/busybox mkdir -p /proc /sys /dev /newroot /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

fail() {
  echo "E2E-STAGE1-FAILURE: $*"
  poweroff -f
  sleep 60
}

for m in $(cat /modules/load-order); do
  insmod "/modules/$m" || fail "insmod $m"
done
for _ in $(seq 100); do [ -b /dev/vda ] && break; sleep 0.1; done
[ -b /dev/vda ] || fail "no /dev/vda (the root disk) after loading virtio_blk"
mount -t ext4 -o rw /dev/vda /newroot || fail "cannot mount /dev/vda"
[ -d /payload ] || fail "no payload in the initramfs"
rm -rf /newroot/e2e
cp -a /payload /newroot/e2e || fail "copying the payload to the root disk"
umount /proc /sys /dev
exec switch_root /newroot /bin/bash /e2e/stage2-init.sh
fail "switch_root failed"
