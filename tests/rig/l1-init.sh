#!/bin/busybox sh
# /init of the rig's L1 host: mounts the basics, loads the profile's KVM flavour, runs the
# case script and reports its exit status on the console, then powers the machine off.
/bin/busybox mkdir -p /proc /sys /dev /tmp /run /bin /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc

# L1 runs from a tmpfs root, as a host with a real root file system does: from the initramfs
# (rootfs, which has no parent mount) no process can pivot_root, and virtiofsd's sandbox must.
# rig.root=initramfs keeps the initramfs root (the VMM's jail falls back to chroot there).
if [ ! -e /.rig-root ] && ! grep -qw 'rig.root=initramfs' /proc/cmdline; then
  mkdir -p /newroot && mount -t tmpfs -o mode=0755 tmpfs /newroot
  for entry in /* /.[!.]*; do
    case "$entry" in /newroot|/proc|/sys|/dev|'/.[!.]*') ;; *) cp -a "$entry" /newroot/ ;; esac
  done
  mkdir -p /newroot/proc /newroot/sys /newroot/dev && : > /newroot/.rig-root
  umount /proc
  exec switch_root /newroot /init
fi
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
export PATH=/opt/ppc-kvm-shim/bin:/bin:/sbin:/usr/bin:/usr/sbin HOME=/root TMPDIR=/tmp

# L1's random number generator would be ready only seconds after boot, and the first VMM's
# getrandom() would wait for it: seed it with the bytes the rig brought (one use only).
if [ -e /rig/entropy-seed ]; then
  rig_seed_entropy /rig/entropy-seed || echo "RIG: L1's entropy pool was not seeded"
  rm -f /rig/entropy-seed
fi

for word in $(cat /proc/cmdline); do
  case "$word" in rig.profile=*) RIG_PROFILE=${word#rig.profile=} ;; esac
done
export RIG_PROFILE
case "$RIG_PROFILE" in
  pr) modprobe kvm-pr ;;
  hv) modprobe kvm-hv ;;
esac
[ -c /dev/kvm ] || echo "RIG: /dev/kvm is missing after loading kvm-$RIG_PROFILE"

echo "RIG-BEGIN profile=$RIG_PROFILE kernel=$(uname -r) cpu=$(grep -m1 '^cpu' /proc/cpuinfo | cut -d: -f2)"
sh /rig/case.sh
echo "RIG-RESULT: $?"
sync
poweroff -f
