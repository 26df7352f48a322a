# Runs in L1: console input reaches the guest (--console-input), and SIGTERM to the VMM stops
# the guest and ends the VMM cleanly with 128+15.
. /rig/case_lib.sh

make_initramfs /tmp/guest.cpio <<'INIT'
echo "GUEST-READY"
read -r line
echo "guest-got:$line"
/bin/busybox poweroff -f
INIT
echo "== console input"
(sleep 1; echo "ping-from-host") | ppc-kvm-vmm --kernel $SHARE/guest-vmlinux --initrd /tmp/guest.cpio --memory 256M \
  --cmdline "console=hvc0 panic=-1 quiet" --console /tmp/console.log --console-input
rc=$?
if [ "$rc" -eq 0 ]; then ok "VMM exited 0"; else fail "VMM exited $rc"; fi
expect_line /tmp/console.log "guest-got:ping-from-host"

make_waiting_initramfs /tmp/guest.cpio GUEST-SLEEPING
echo "== SIGTERM"
ppc-kvm-vmm --kernel $SHARE/guest-vmlinux --initrd /tmp/guest.cpio --memory 256M --vcpus 2 \
  --cmdline "console=hvc0 panic=-1 quiet" --console /tmp/console.log 2>/tmp/vmm.log &
pid=$!
expect_line_soon /tmp/console.log GUEST-SLEEPING 60
kill -TERM $pid
wait $pid
rc=$?
cat /tmp/vmm.log
if [ "$rc" -eq 143 ]; then ok "exit 143"; else fail "VMM exited $rc after SIGTERM, expected 143"; fi
if grep -q "stopped by signal" /tmp/vmm.log; then ok "reason logged"; else fail "no reason in the VMM log"; fi
finish
