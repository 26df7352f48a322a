# Runs in L1: boots the minimal and the stock kernel RUNS times each, interleaved, with an
# /init that prints a marker and powers off at once, and prints one line per boot with the
# VMM's own milestones and exit counts (ppc-kvm-vmm --stats).
. /rig/case_lib.sh
RUNS=${RUNS:-5}
cat > /tmp/init.sh <<'INIT'
#!/bin/busybox sh
echo GUEST-USERSPACE-MARKER
/bin/busybox poweroff -f
INIT
make_initramfs /tmp/guest.cpio /tmp/init.sh
for i in $(seq "$RUNS"); do
  for kernel in minimal stock; do
    vmlinux=$SHARE/guest-vmlinux; [ "$kernel" = stock ] && vmlinux=$SHARE/stock-vmlinux
    ppc-kvm-vmm --kernel "$vmlinux" --initrd /tmp/guest.cpio --memory 512M --stats \
      --cmdline "console=hvc0 panic=-1 quiet" --console /tmp/console.log 2>/tmp/vmm.log
    rc=$?
    grep -q GUEST-USERSPACE-MARKER /tmp/console.log || rc="$rc(no marker)"
    echo "BENCH kernel=$kernel run=$i rc=$rc $(grep 'stats: first' /tmp/vmm.log | sed 's/.*stats: //')"
    echo "BENCH-EXITS kernel=$kernel run=$i $(grep 'stats: exits' /tmp/vmm.log | sed 's/.*stats: //')"
  done
done
