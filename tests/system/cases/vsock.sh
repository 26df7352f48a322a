# Runs in L1: virtio-vsock through the VMM's hybrid Unix socket. A guest program listens; the
# host sends 64 MiB each way with checksums, runs 16 connections at once, connects to a port
# where nobody listens (must fail promptly), and has the guest connect out to <uds>_<port>.
. /rig/case_lib.sh
uds=/tmp/vsock.sock
boot_vsock_guest $uds || { fail "the guest did not listen on vsock"; finish; }

# vsock_host prints its own result line; its exit status is the check.
check() { if vsock_host "$@"; then ok "vsock_host $1"; else fail "vsock_host $*"; fi; }
check bulk $uds 1234 67108864 67108864
check parallel $uds 1234 16 1048576
check refused $uds 4321
vsock_host accept ${uds}_5000 1048576 > /tmp/accept.log 2>&1 &
acc=$!
wait_for_line /tmp/accept.log "accept: listening on" 60 || fail "vsock_host accept never listened"
check control $uds 9999 "connect 5000 1048576"
if wait $acc; then ok "vsock_host accept: the guest's connection"; else fail "vsock_host accept"; fi
cat /tmp/accept.log

vsock_host control $uds 9999 shutdown
wait $vmm
rc=$?
cat /tmp/vmm.log
if [ "$rc" -eq 0 ]; then ok "VMM exited 0"; else fail "VMM exited $rc"; fi
finish
