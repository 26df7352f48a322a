# Runs in L1: vsock throughput both ways and round-trip latency between a host program and a
# guest program, through the VMM's hybrid Unix socket.
. /rig/case_lib.sh
uds=/tmp/vsock.sock
cat > /tmp/init.sh <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/vsock_peer listen 1234 &
/bin/vsock_peer control 9999
/bin/busybox poweroff -f
INIT
make_initramfs /tmp/guest.cpio /tmp/init.sh /opt/ppc-kvm-shim/bin/vsock_peer
ppc-kvm-vmm --kernel $SHARE/guest-vmlinux --initrd /tmp/guest.cpio --memory 512M --vcpus 2 --vsock-uds $uds \
  --cmdline "console=hvc0 panic=-1 quiet" --console /tmp/console.log --stats 2>/tmp/vmm.log &
vmm=$!
wait_for_line /tmp/console.log "vsock_peer: control on port 9999" || exit 1
for i in 1 2 3; do echo "BENCH $(vsock_host bulk $uds 1234 67108864 67108864)"; done
echo "BENCH $(vsock_host rtt $uds 1234 2000)"
vsock_host control $uds 9999 shutdown >/dev/null
wait $vmm
echo "BENCH vmm: $(grep 'stats: exits' /tmp/vmm.log | sed 's/.*stats: //')"
