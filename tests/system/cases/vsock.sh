# Runs in L1: virtio-vsock through the VMM's hybrid Unix socket. A guest program listens; the
# host sends 64 MiB each way with checksums, runs 16 connections at once, connects to a port
# where nobody listens (must fail promptly), and has the guest connect out to <uds>_<port>.
. /rig/case_lib.sh
status=0
uds=/tmp/vsock.sock
boot_vsock_guest $uds || exit 1

vsock_host bulk $uds 1234 67108864 67108864 || status=1
vsock_host parallel $uds 1234 16 1048576 || status=1
vsock_host refused $uds 4321 || status=1
vsock_host accept ${uds}_5000 1048576 > /tmp/accept.log 2>&1 &
acc=$!
sleep 1
vsock_host control $uds 9999 "connect 5000 1048576" || status=1
wait $acc || status=1
cat /tmp/accept.log

vsock_host control $uds 9999 shutdown
wait $vmm
rc=$?
cat /tmp/vmm.log
[ "$rc" -eq 0 ] && echo "ok: VMM exited 0" || { echo "FAIL: VMM exited $rc"; status=1; }
exit $status
