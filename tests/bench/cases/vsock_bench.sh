# Runs in L1: vsock throughput both ways and round-trip latency between a host program and a
# guest program, through the VMM's hybrid Unix socket.
. /rig/case_lib.sh
uds=/tmp/vsock.sock
boot_vsock_guest $uds || exit 1
for i in 1 2 3; do echo "BENCH $(vsock_host bulk $uds 1234 67108864 67108864)"; done
echo "BENCH $(vsock_host rtt $uds 1234 2000)"
vsock_host control $uds 9999 shutdown >/dev/null
wait $vmm
echo "BENCH vmm: $(grep 'stats: exits' /tmp/vmm.log | sed 's/.*stats: //')"
