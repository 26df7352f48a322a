#!/bin/busybox sh
# /init of the rig's L1 host: mounts the basics, loads the profile's KVM flavour, runs the
# case script and reports its exit status on the console, then powers the machine off.
/bin/busybox mkdir -p /proc /sys /dev /tmp /run /bin /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
export PATH=/opt/ppc-kvm-shim/bin:/bin:/sbin:/usr/bin:/usr/sbin HOME=/root TMPDIR=/tmp

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
