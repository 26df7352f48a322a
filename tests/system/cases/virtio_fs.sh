# Runs in L1: virtio-fs through Debian 12's virtiofsd (/usr/lib/qemu/virtiofsd), which the VMM
# starts itself. A busybox guest mounts the share, reads a host file, writes, fsyncs, renames
# and removes files (checked on L1 afterwards), and sees a bind mount L1 makes under the share
# after the VM started. virtiofsd runs as a child of the jail's supervisor, in the VMM's
# cgroup. Then the fault: virtiofsd killed with SIGKILL while the guest reads from the share:
# the guest's I/O stops, the VMM logs it once, stays up and still stops cleanly on SIGTERM,
# leaving no virtiofsd behind. And bad input: --virtiofsd /nonexistent exits 2 naming the path.
#
# virtiofsd's own sandbox pivot_root()s into the share, which no process whose root is an
# initramfs (rootfs, which has no parent mount) can do. The VMM runs in a chroot whose root is
# a tmpfs mount of its own (mounted_root), with a cgroup2 of its own.
. /rig/case_lib.sh
# Live (not zombie) virtiofsd processes: its sandbox forks one into its own pid namespace.
virtiofsd_pids() {
  for p in /proc/[0-9]*; do
    [ "$(cat $p/comm 2>/dev/null)" = virtiofsd ] && ! grep -q '^State:[[:space:]]*Z' $p/status 2>/dev/null && echo ${p#/proc/}
  done
}
alive() { [ -d /proc/$1 ] && ! grep -q '^State:[[:space:]]*Z' /proc/$1/status 2>/dev/null; }

echo "== --virtiofsd /nonexistent: exit 2, naming the path, nothing started"
mkdir -p /tmp/share0
out=$(ppc-kvm-vmm --kernel $SHARE/guest-vmlinux --fs-share /tmp/share0 --virtiofsd /nonexistent 2>&1)
rc=$?
echo "  $out"
[ "$rc" -eq 2 ] && ok "exit 2" || fail "exit $rc"
case "$out" in *"--virtiofsd /nonexistent: No such file or directory"*) ok "names the path" ;; *) fail "message" ;; esac
[ -z "$(virtiofsd_pids)" ] && ok "no virtiofsd" || fail "virtiofsd running: $(virtiofsd_pids)"

echo "== the host: a chroot at a tmpfs mount, with the share a shared mount"
new=/tmp/host
mounted_root $new || { fail "mounted_root"; finish; }
mkdir -p $new/sys/fs/cgroup $new/srv/share
mount -t cgroup2 cgroup2 $new/sys/fs/cgroup && mkdir $new/sys/fs/cgroup/vmfs
# What the caller prepares: the share is a mount point of its own, shared, so that binds made
# under it later propagate into virtiofsd's mount namespace.
mount --bind $new/srv/share $new/srv/share && mount --make-shared $new/srv/share
echo "hello from L1" > $new/srv/share/host.txt
echo "doomed" > $new/srv/share/doomed.txt
mkdir $new/srv/share/sub $new/tmp/bindsrc && echo "bound after start" > $new/tmp/bindsrc/bound.txt

make_initramfs $new/tmp/guest.cpio <<'INIT'
b=/bin/busybox
$b mount -t proc proc /proc
$b mount -t devtmpfs devtmpfs /dev
$b mount -t sysfs sysfs /sys
$b mount -t virtiofs ppc-kvm-share /mnt && echo "guest-mounted"
# The features the driver and device agreed on: one character per bit, bit 0 first.
echo "guest-fs-features: $($b cat /sys/bus/virtio/drivers/virtiofs/virtio*/features)"
echo "guest-read: $($b cat /mnt/host.txt)"
echo "written by the guest" > /mnt/guest.txt && echo "guest-write: ok"
echo "synced by the guest" | $b dd of=/mnt/synced.txt conv=fsync 2>/dev/null && echo "guest-fsync: ok"
$b mv /mnt/guest.txt /mnt/renamed.txt && echo "guest-rename: ok"
$b rm /mnt/doomed.txt && echo "guest-remove: ok"
echo "guest-waiting-for-bind"
for i in $($b seq 240); do [ -f /mnt/sub/bound.txt ] && break; $b sleep 0.5; done
echo "guest-bind: $($b cat /mnt/sub/bound.txt 2>&1)"
# Reads from the share until they stop completing.
i=0
while true; do $b cat /mnt/host.txt > /dev/null && i=$((i + 1)) && echo "guest-tick $i"; $b sleep 0.5; done
INIT

echo "== the guest uses the share"
chroot $new /opt/ppc-kvm-shim/bin/ppc-kvm-vmm --kernel /opt/ppc-kvm-shim/share/guest-vmlinux --initrd /tmp/guest.cpio \
  --memory 256M --cmdline "console=hvc0 panic=-1 quiet" --console /tmp/console.log --fs-share /srv/share \
  --cgroup /sys/fs/cgroup/vmfs 2>$new/tmp/vmm.log &
sup=$!
console=$new/tmp/console.log
expect_line_soon $console "guest-waiting-for-bind" 240 || { cat $new/tmp/vmm.log; kill -9 $sup; finish; }
tr -d '\r' < $console | grep '^guest-'
for line in "guest-mounted" "guest-read: hello from L1$" "guest-write: ok" "guest-fsync: ok" "guest-rename: ok" "guest-remove: ok"; do
  expect_line $console "^$line"
done
# virtiofsd suppresses interrupts and kicks itself (EVENT_IDX), and takes indirect descriptors.
features=$(tr -d '\r' < $console | sed -n 's/^guest-fs-features: //p')
[ "${features:28:1}${features:29:1}" = 11 ] && ok "INDIRECT_DESC and EVENT_IDX negotiated" || fail "features: '$features'"
[ "$(cat $new/srv/share/renamed.txt 2>&1)" = "written by the guest" ] && ok "L1 reads the guest's file" || fail "renamed.txt: $(cat $new/srv/share/renamed.txt 2>&1)"
[ ! -e $new/srv/share/guest.txt ] && ok "renamed away" || fail "guest.txt is still there"
[ "$(cat $new/srv/share/synced.txt 2>&1)" = "synced by the guest" ] && ok "fsync'd file on L1" || fail "synced.txt: $(cat $new/srv/share/synced.txt 2>&1)"
[ ! -e $new/srv/share/doomed.txt ] && ok "removed on L1" || fail "doomed.txt is still there"

echo "== virtiofsd: the supervisor's child, in the VMM's cgroup"
daemon=$(sed -n 's/.*virtio-fs: virtiofsd (pid \([0-9]*\)).*/\1/p' $new/tmp/vmm.log)
echo "  virtiofsd $daemon, supervisor $sup; virtiofsd processes: $(virtiofsd_pids | tr '\n' ' ')"
[ -n "$daemon" ] && [ "$(sed -n 's/^PPid:[[:space:]]*//p' /proc/$daemon/status)" = "$sup" ] && ok "parent is the supervisor" || fail "virtiofsd's parent"
[ "$(cat /proc/$daemon/cgroup 2>&1)" = "0::/vmfs" ] && ok "cgroup /vmfs" || fail "virtiofsd's cgroup: $(cat /proc/$daemon/cgroup 2>&1)"

echo "== a bind mount made under the share after the start reaches the guest"
mount --bind $new/tmp/bindsrc $new/srv/share/sub
expect_line_soon $console "guest-tick 2" 120
expect_line $console "^guest-bind: bound after start$"

echo "== virtiofsd killed: the guest's I/O stops, the VMM stays up"
ticks0=$(tr -d '\r' < $console | grep -c '^guest-tick')
# A new tick within a minute (a loaded machine runs the guest slowly).
for _ in $(seq 60); do
  sleep 1
  ticks=$(tr -d '\r' < $console | grep -c '^guest-tick')
  [ "$ticks" -gt "$ticks0" ] && break
done
[ "$ticks" -gt "$ticks0" ] && ok "reads complete while virtiofsd runs ($ticks0, then $ticks)" || fail "reads stalled before the kill"
kill -KILL $daemon
sleep 3
ticks1=$(tr -d '\r' < $console | grep -c '^guest-tick')
sleep 4
ticks2=$(tr -d '\r' < $console | grep -c '^guest-tick')
echo "  guest ticks: $ticks1, then $ticks2"
[ "$ticks1" -eq "$ticks2" ] && ok "the guest's reads no longer complete" || fail "reads still complete"
alive $sup && ok "the VMM is up" || fail "the VMM is gone"
grep -E "virtio-fs|virtiofsd" $new/tmp/vmm.log
[ "$(grep -c 'virtio-fs: virtiofsd closed its connection' $new/tmp/vmm.log)" -eq 1 ] && ok "logged once" || fail "not logged exactly once"
grep -q "jail: virtiofsd (process $daemon) was killed by signal 9" $new/tmp/vmm.log && ok "the supervisor reaped it" || fail "not reaped"

echo "== SIGTERM still stops the VMM cleanly"
kill -TERM $sup
(sleep 60; kill -KILL $sup 2>/dev/null) &
watchdog=$!
wait $sup
rc=$?
kill $watchdog 2>/dev/null
[ "$rc" -eq 143 ] && ok "exit 143" || { tail -20 $new/tmp/vmm.log; fail "exit $rc after SIGTERM"; }
[ -z "$(virtiofsd_pids)" ] && ok "no virtiofsd left" || fail "virtiofsd left: $(virtiofsd_pids)"

umount $new/srv/share/sub $new/srv/share $new/srv/share 2>/dev/null
finish
