# Runs in L1: console input reaches the guest (--console-input), SIGTERM to the VMM stops the
# guest and ends the VMM cleanly with 128+15, and a guest flooding its console file is held to
# the file's bounds (--console-limit), with lines saying what was dropped.
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
# The rig prints 4 to 50 KB/s through hcalls (the low end with two L1s on two cores), near the
# default 32 KiB/s: small limits, 1 KiB/s after a 4 KiB burst and 8 KiB in all, and pauses that
# earn the rate back whatever the guest's speed: 12,000 bytes (dropped past the burst), 2 s, 12,000
# more (a notice, then at least 2 KiB), 3 s, twice more (at least 3 KiB each): the 8 KiB total is
# reached and said so.
make_marker_initramfs /tmp/guest.cpio FLOOD-START \
  'flood() { /bin/busybox yes 0123456789abcdef | /bin/busybox head -c 12000; }
flood; /bin/busybox sleep 2; flood; /bin/busybox sleep 3; flood; /bin/busybox sleep 3; flood
echo AFTER-FLOOD'
echo "== a console flood"
ppc-kvm-vmm --kernel $SHARE/guest-vmlinux --initrd /tmp/guest.cpio --memory 256M \
  --cmdline "console=hvc0 panic=-1 quiet" --console /tmp/console.log --console-limit 8K,1K,4K 2>/tmp/vmm.log
rc=$?
size=$(stat -c %s /tmp/console.log)
rate=$(grep -a -o 'ppc-kvm-vmm: [0-9]* bytes of console output dropped: over 1024 bytes/s' /tmp/console.log | head -1)
total=$(grep -a -o 'ppc-kvm-vmm: console output past 8192 bytes is dropped' /tmp/console.log)
[ "$rc" -eq 0 ] && ok "VMM exited 0" || { fail "VMM exited $rc"; cat /tmp/vmm.log; }
if [ "$size" -le 8192 ] && [ -n "$rate" ] && [ -n "$total" ] && ! grep -aq AFTER-FLOOD /tmp/console.log; then
  ok "flood: $size bytes kept, '$rate', then '$total'"
else
  fail "flood: $size bytes kept, rate notice '$rate', total notice '$total'; last: $(tail -c 300 /tmp/console.log)"
fi
finish
