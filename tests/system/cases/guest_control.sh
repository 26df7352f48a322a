# Runs in L1: console input reaches the guest (--console-input), SIGTERM to the VMM stops the
# guest and ends the VMM cleanly with 128+15, and a guest flooding its console file gets no
# more than the file's rate (vmm/console.h), with a line saying what was dropped.
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
# 2,000,000 bytes as fast as the guest can print them: well over the 256 KiB burst and the
# 32 KiB/s that follow it however slow the rig is (the flood would need a minute to fit).
make_marker_initramfs /tmp/guest.cpio FLOOD-START \
  '/bin/busybox yes 0123456789abcdef | /bin/busybox head -c 2000000; /bin/busybox sleep 2; echo AFTER-FLOOD'
echo "== a console flood"
start=$(date +%s)
ppc-kvm-vmm --kernel $SHARE/guest-vmlinux --initrd /tmp/guest.cpio --memory 256M \
  --cmdline "console=hvc0 panic=-1 quiet" --console /tmp/console.log 2>/tmp/vmm.log
rc=$?
seconds=$(( $(date +%s) - start ))
size=$(stat -c %s /tmp/console.log)
notice=$(grep -a -o 'ppc-kvm-vmm: [0-9]* bytes of console output dropped: over 32768 bytes/s' /tmp/console.log | head -1)
[ "$rc" -eq 0 ] && ok "VMM exited 0" || { fail "VMM exited $rc"; cat /tmp/vmm.log; }
# What the file may hold: the burst, the rate over the guest's whole run, a notice per resumption.
limit=$(( 262144 + 32768 * (seconds + 1) + 4096 ))
if [ -n "$notice" ] && [ "$size" -le "$limit" ] && grep -aq '^AFTER-FLOOD' /tmp/console.log; then
  ok "flood: $size bytes kept in ${seconds}s (at most $limit), '$notice', the line after it kept"
else
  fail "flood: $size bytes in ${seconds}s (at most $limit), notice '$notice'; last lines: $(tail -c 300 /tmp/console.log)"
fi
finish
