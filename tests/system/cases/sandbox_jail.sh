# Runs in L1: the jail's options. The rig's L1 runs from its initramfs, where pivot_root cannot
# work and the VMM falls back to a chroot onto its tmpfs; here the VMM also starts inside a
# chroot whose root is a mount of its own, as on a normal host, and must take the pivot_root
# path. Then: --uid/--gid, SIGTERM through the supervisor, cgroup v2 placement, /dev/kvm handed
# in as an fd (--kvm-fd), and a bad --cgroup refused before anything starts.
. /rig/case_lib.sh
# stop PID: SIGTERM, then wait (SIGKILL after 60 s, so that a stuck VMM fails the test instead
# of hanging it); sets rc.
stop() {
  kill -TERM "$1"
  (sleep 60; kill -KILL "$1" 2>/dev/null) &
  watchdog=$!
  wait "$1"
  rc=$?
  kill $watchdog 2>/dev/null
}

make_marker_initramfs /tmp/guest.cpio GUEST-USERSPACE-MARKER
make_waiting_initramfs /tmp/guest-wait.cpio GUEST-WAITING
# vmm ARGS...: the VMM with this test's memory and command line (in the foreground only: in
# the background $! would be a subshell's pid, not the VMM's).
vmm() { ppc-kvm-vmm --memory 256M --cmdline "console=hvc0 panic=-1 quiet" "$@"; }
# start_waiting_guest [VMM_ARGS...]: the VMM with the waiting guest, in the background;
# returns once the guest waits, with $sup the supervisor's pid and $vmm the jailed VMM's.
start_waiting_guest() {
  rm -f /tmp/console.log
  ppc-kvm-vmm --kernel $SHARE/guest-vmlinux --initrd /tmp/guest-wait.cpio --memory 256M --console /tmp/console.log \
    --cmdline "console=hvc0 panic=-1 quiet" "$@" 2>/tmp/vmm.log &
  sup=$!
  expect_line_soon /tmp/console.log GUEST-WAITING 120 || { cat /tmp/vmm.log; kill $sup; finish; }
  vmm=$(jailed_vmm_pid /tmp/vmm.log)
}

echo "== pivot_root: the VMM started in a chroot that is a mount point, as on a disk-rooted host"
new=/tmp/newroot
mkdir -p $new && mount -t tmpfs tmpfs $new
mkdir -p $new/bin $new/dev $new/proc $new/tmp $new/run/vm3 $new/opt/ppc-kvm-shim/share
cp /opt/ppc-kvm-shim/bin/ppc-kvm-vmm $new/bin/
cp $SHARE/guest-vmlinux /tmp/guest.cpio $new/opt/ppc-kvm-shim/share/
mount -o bind /dev $new/dev
mount -t proc proc $new/proc
chroot $new /bin/ppc-kvm-vmm --kernel /opt/ppc-kvm-shim/share/guest-vmlinux --initrd /opt/ppc-kvm-shim/share/guest.cpio \
  --memory 256M --cmdline "console=hvc0 panic=-1 quiet" --console /tmp/console.log --vsock-uds /run/vm3/vsock.sock \
  2>/tmp/vmm.log
rc=$?
grep -E "jail|sandbox" /tmp/vmm.log
[ "$rc" -eq 0 ] && ok "exit 0" || { cat /tmp/vmm.log; fail "exit $rc in the chroot"; }
grep -q "new root is an empty tmpfs (pivot_root); host paths reachable: /run/vm3 (read-only)" /tmp/vmm.log \
  && ok "pivot_root" || fail "pivot_root was not used"
expect_line $new/tmp/console.log GUEST-USERSPACE-MARKER
umount $new/proc $new/dev $new

echo "== --uid 1000 --gid 1000, and SIGTERM to the supervisor"
start_waiting_guest --uid 1000 --gid 1000
grep -E "^(Uid|Gid|Groups|CapEff|NoNewPrivs|Seccomp):" /proc/$vmm/status
grep -q "^Uid:[[:space:]]*1000[[:space:]]*1000[[:space:]]*1000[[:space:]]*1000$" /proc/$vmm/status && ok "uid 1000" || fail "uid"
grep -q "^Gid:[[:space:]]*1000[[:space:]]*1000[[:space:]]*1000[[:space:]]*1000$" /proc/$vmm/status && ok "gid 1000" || fail "gid"
grep -q "^Groups:[[:space:]]*$" /proc/$vmm/status && ok "no supplementary groups" || fail "groups"
for st in /proc/$vmm/task/*/status; do
  grep -q "^Uid:[[:space:]]*1000" "$st" || fail "task $st is not uid 1000"
done
stop $sup
[ "$rc" -eq 143 ] && ok "SIGTERM forwarded, exit 143" || { cat /tmp/vmm.log; fail "exit $rc after SIGTERM, expected 143"; }
grep -q "stopped by signal" /tmp/vmm.log && ok "the VMM stopped the guest" || fail "no stop reason in the log"

echo "== SIGKILL to the supervisor ends the VMM too (PDEATHSIG, kept across --uid)"
start_waiting_guest --uid 1000 --gid 1000
kill -KILL $sup
wait $sup
for _ in $(seq 20); do [ -d /proc/$vmm ] || break; sleep 0.5; done
[ -d /proc/$vmm ] && { fail "the VMM outlived its killed supervisor"; kill -KILL $vmm; } || ok "the VMM is gone"

echo "== cgroup v2 placement"
mkdir -p /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup && mkdir -p /sys/fs/cgroup/vm4
start_waiting_guest --cgroup /sys/fs/cgroup/vm4
echo "  cgroup.procs: $(cat /sys/fs/cgroup/vm4/cgroup.procs | tr '\n' ' ')"
for pid in $sup $vmm; do
  [ "$(cat /proc/$pid/cgroup)" = "0::/vm4" ] && ok "pid $pid in /vm4" || fail "pid $pid in $(cat /proc/$pid/cgroup)"
done
stop $sup
[ "$rc" -eq 143 ] && ok "exit 143 after SIGTERM" || fail "exit $rc after SIGTERM"
[ -d /proc/$vmm ] && fail "the VMM outlived its supervisor" || ok "the VMM ended with its supervisor"

echo "== --kvm-fd: /dev/kvm handed in open"
rm -f /tmp/console.log
vmm --kernel $SHARE/guest-vmlinux --initrd /tmp/guest.cpio --console /tmp/console.log \
  --kvm /nonexistent --kvm-fd 5 5<>/dev/kvm 2>/tmp/vmm.log
rc=$?
[ "$rc" -eq 0 ] && ok "exit 0" || { cat /tmp/vmm.log; fail "--kvm-fd: exit $rc"; }
expect_line /tmp/console.log GUEST-USERSPACE-MARKER

echo "== a bad --cgroup is refused before anything starts"
out=$(vmm --kernel $SHARE/guest-vmlinux --initrd /tmp/guest.cpio --cgroup /tmp 2>&1)
rc=$?
echo "  $out"
[ "$rc" -eq 2 ] && ok "exit 2" || fail "--cgroup /tmp: exit $rc"
case "$out" in *"not a cgroup v2 directory"*) ok "says why" ;; *) fail "message" ;; esac
finish
