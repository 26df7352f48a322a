# Runs in L1: a guest boots with the whole sandbox on (the default) and every thread that runs
# guest-facing code is confined: CapEff 0, NoNewPrivs 1, Seccomp 2 (one filter each) in
# /proc/<pid>/task/*/status, for the jailed VMM and for its supervisor. The jail: new pid,
# mount, IPC, UTS and network namespaces, a root holding only the vsock socket's directory,
# inherited fds closed except --keep-fd, rlimits. vsock still works both ways through the jail,
# and the socket file is gone after the VMM's exit. Then the same status checks with --no-jail.
. /rig/case_lib.sh
# check_confined PID THREADS: every task of PID has no capability, no_new_privs and exactly one
# seccomp filter in filter mode; THREADS tasks are expected.
check_confined() {
  n=0
  for st in /proc/$1/task/*/status; do
    fields=$(awk -F'\t' '/^(Name|CapEff|CapPrm|CapBnd|NoNewPrivs|Seccomp|Seccomp_filters):/ {printf "%s %s  ", $1, $2}' "$st")
    echo "  task $(basename "$(dirname "$st")"): $fields"
    case "$fields" in
      *"CapEff: 0000000000000000 "*"NoNewPrivs: 1 "*"Seccomp: 2 "*"Seccomp_filters: 1 "*) ;;
      *) fail "task $st of pid $1 is not confined" ;;
    esac
    n=$((n + 1))
  done
  [ "$n" -eq "$2" ] && ok "pid $1 has $n threads, all confined" || fail "pid $1 has $n threads, expected $2"
}

make_vsock_peer_initramfs /tmp/guest.cpio

# The socket in a directory of its own: that directory is all of the host the jail can see.
mkdir -p /run/vm1
uds=/run/vm1/vsock.sock
echo "inherited" > /tmp/fd8 && echo "kept" > /tmp/fd9
echo "== jailed VMM (default sandbox), 2 vCPUs"
ppc-kvm-vmm --kernel $SHARE/guest-vmlinux --initrd /tmp/guest.cpio --memory 512M --vcpus 2 --vsock-uds $uds \
  --cmdline "console=hvc0 panic=-1 quiet" --console /tmp/console.log --keep-fd 9 --rlimit nofile=512 \
  2>/tmp/vmm.log 8</tmp/fd8 9</tmp/fd9 &
sup=$!
expect_line_soon /tmp/console.log "vsock_peer: control on port 9999" || { cat /tmp/vmm.log; kill $sup; finish; }
vmm=$(jailed_vmm_pid /tmp/vmm.log)
[ -n "$vmm" ] && [ -d /proc/$vmm ] || { cat /tmp/vmm.log; fail "no jailed VMM process"; kill $sup; finish; }
echo "supervisor $sup, VMM $vmm"

echo "-- the VMM's threads (main, device, vcpu 0, vcpu 1)"
check_confined $vmm 4
for name in device "vcpu 0" "vcpu 1"; do
  grep -qx "$name" /proc/$vmm/task/*/comm && ok "thread '$name'" || fail "no thread named '$name'"
done
echo "-- the supervisor"
check_confined $sup 1

echo "-- namespaces"
for ns in pid mnt ipc uts net; do
  mine=$(readlink /proc/self/ns/$ns) theirs=$(readlink /proc/$vmm/ns/$ns)
  [ "$mine" != "$theirs" ] && ok "own $ns namespace ($theirs)" || fail "VMM shares the $ns namespace"
done
grep -q "^NSpid:.*[[:space:]]1$" /proc/$vmm/status && ok "pid 1 in its pid namespace" || fail "$(grep NSpid /proc/$vmm/status)"

echo "-- the jail's root"
root=$(cd /proc/$vmm/root && find . | sort | tr '\n' ' ')
echo "  files: $root"
case "$root" in
  ". ./run ./run/vm1 ./run/vm1/vsock.sock "*) ok "only the socket's directory is there" ;;
  *) fail "unexpected jail contents" ;;
esac
touch /proc/$vmm/root/run/vm1/probe 2>/dev/null && fail "the socket directory is writable from the jail" || ok "read-only"

echo "-- descriptors"
ls -l /proc/$vmm/fd | awk '{print "  " $9, $10, $11}'
# fd 8's number may be reused by the VMM's own files; what must be gone is the file.
ls -l /proc/$vmm/fd | grep -q /tmp/fd8 && fail "inherited fd 8 (/tmp/fd8) is still open" || ok "inherited fd 8 closed"
[ "$(readlink /proc/$vmm/fd/9)" = /tmp/fd9 ] && ok "--keep-fd 9 kept" || fail "fd 9 not kept"
if ls -l /proc/$vmm/fd | grep -q -e /dev/kvm -e kvm-vm -e kvm-vcpu; then ok "KVM fds came in open"; else fail "no KVM fds"; fi

echo "-- limits"
grep -E "Max (open files|core file size)" /proc/$vmm/limits
grep -q "^Max open files *512 *512" /proc/$vmm/limits && ok "nofile 512" || fail "nofile limit"
grep -q "^Max core file size *0 *0" /proc/$vmm/limits && ok "no core dumps" || fail "core limit"

echo "-- vsock through the jail"
vsock_host bulk $uds 1234 1048576 1048576 && ok "host-initiated transfer" || fail "host-initiated transfer"
vsock_host accept ${uds}_5000 1048576 > /tmp/accept.log 2>&1 &
acc=$!
wait_for_line /tmp/accept.log "accept: listening on" 60 || fail "vsock_host accept never listened"
vsock_host control $uds 9999 "connect 5000 1048576" && ok "guest-initiated connection request" || fail "guest-initiated connection request"
wait $acc && ok "guest-initiated transfer" || fail "guest-initiated transfer"
cat /tmp/accept.log
vsock_host control $uds 9999 shutdown
wait $sup
rc=$?
cat /tmp/vmm.log
[ "$rc" -eq 0 ] && ok "exit 0 through the supervisor" || fail "VMM exited $rc"
[ -e $uds ] && fail "the vsock socket was left behind" || ok "socket removed"
grep -q "jail: new root is an empty tmpfs" /tmp/vmm.log && ok "the jail is logged" || fail "no jail line in the log"

echo "== --no-jail: seccomp and the privilege drop alone, 1 vCPU"
rm -f /tmp/console.log
ppc-kvm-vmm --kernel $SHARE/guest-vmlinux --initrd /tmp/guest.cpio --memory 256M --vsock-uds $uds --no-jail \
  --cmdline "console=hvc0 panic=-1 quiet" --console /tmp/console.log 2>/tmp/vmm.log &
vmm=$!
expect_line_soon /tmp/console.log "vsock_peer: control on port 9999" || { cat /tmp/vmm.log; kill $vmm; finish; }
check_confined $vmm 3
vsock_host control $uds 9999 shutdown || kill $vmm
wait $vmm
rc=$?
[ "$rc" -eq 0 ] && ok "exit 0" || { cat /tmp/vmm.log; tr -d '\r' < /tmp/console.log | tail -5; fail "VMM exited $rc"; }
finish
