# Runs in L1: console input reaches the guest (--console-input), and SIGTERM to the VMM stops
# the guest and ends the VMM cleanly with 128+15.
. /rig/case_lib.sh
status=0

cat > /tmp/init.sh <<'INIT'
#!/bin/busybox sh
echo "GUEST-READY"
read -r line
echo "guest-got:$line"
/bin/busybox poweroff -f
INIT
make_initramfs /tmp/guest.cpio /tmp/init.sh
echo "== console input"
(sleep 1; echo "ping-from-host") | ppc-kvm-vmm --kernel $SHARE/guest-vmlinux --initrd /tmp/guest.cpio --memory 256M \
  --cmdline "console=hvc0 panic=-1 quiet" --console /tmp/console.log --console-input
rc=$?
[ "$rc" -eq 0 ] || { echo "FAIL: VMM exited $rc"; status=1; }
expect_line /tmp/console.log "guest-got:ping-from-host" || status=1

cat > /tmp/init.sh <<'INIT'
#!/bin/busybox sh
echo "GUEST-SLEEPING"
while true; do /bin/busybox sleep 1000; done
INIT
make_initramfs /tmp/guest.cpio /tmp/init.sh
echo "== SIGTERM"
ppc-kvm-vmm --kernel $SHARE/guest-vmlinux --initrd /tmp/guest.cpio --memory 256M --vcpus 2 \
  --cmdline "console=hvc0 panic=-1 quiet" --console /tmp/console.log 2>/tmp/vmm.log &
pid=$!
for _ in $(seq 120); do grep -q GUEST-SLEEPING /tmp/console.log 2>/dev/null && break; sleep 0.5; done
expect_line /tmp/console.log GUEST-SLEEPING || status=1
kill -TERM $pid
wait $pid
rc=$?
cat /tmp/vmm.log
[ "$rc" -eq 143 ] && echo "ok: exit 143" || { echo "FAIL: VMM exited $rc after SIGTERM, expected 143"; status=1; }
grep -q "stopped by signal" /tmp/vmm.log && echo "ok: reason logged" || { echo "FAIL: no reason in the VMM log"; status=1; }
exit $status
