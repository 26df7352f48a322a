# Runs in L1: a thread that makes a system call outside its role's allowlist kills the VMM.
# --debug-seccomp-violation ROLE makes the first thread of ROLE do so right after installing its
# filter: execve from a vCPU thread (and the main thread), socket(AF_INET) from the device
# thread. With --seccomp log the VMM logs the thread, its role and the call's name, then dies of
# SIGSYS; with the default (kill) it dies of SIGSYS at once, and the jail's supervisor, which
# mirrors the VMM, dies of SIGSYS too (exit status 159 = 128 + 31). --no-sandbox turns it off.
. /rig/case_lib.sh
make_marker_initramfs /tmp/guest.cpio GUEST-USERSPACE-MARKER
mkdir -p /run/vm2

# run_vmm ARGS...: boots the guest with a vsock device (so the device thread has sockets);
# sets rc, and leaves the VMM's log in /tmp/vmm.log.
run_vmm() {
  ppc-kvm-vmm --kernel $SHARE/guest-vmlinux --initrd /tmp/guest.cpio --memory 256M --vcpus 2 \
    --vsock-uds /run/vm2/vsock.sock --cmdline "console=hvc0 panic=-1 quiet" --console /tmp/console.log \
    "$@" 2>/tmp/vmm.log
  rc=$?
}

# expect_death WHAT LOG-PATTERN ARGS...
expect_death() {
  what=$1 pattern=$2
  shift 2
  echo "== $what: $*"
  run_vmm "$@"
  grep -E "seccomp|debug|killed|sandbox" /tmp/vmm.log
  [ "$rc" -eq 159 ] && ok "exit 159 (SIGSYS)" || fail "$what: exit $rc, expected 159"
  grep -q "$pattern" /tmp/vmm.log && ok "log names it" || fail "$what: log lacks '$pattern'"
  grep -q GUEST-USERSPACE-MARKER /tmp/console.log 2>/dev/null && fail "$what: the guest ran" || ok "$what: the guest did not run"
}

rm -f /tmp/console.log
expect_death "vCPU thread, log mode" "thread 'vcpu [0-9]*' (role vcpu) made a forbidden system call: execve " \
  --seccomp log --debug-seccomp-violation vcpu
rm -f /tmp/console.log
expect_death "device thread, log mode" "thread 'device' (role device) made a forbidden system call: socket " \
  --seccomp log --debug-seccomp-violation device
rm -f /tmp/console.log
expect_death "main thread, log mode" "thread 'main' (role main) made a forbidden system call: execve " \
  --seccomp log --debug-seccomp-violation main
rm -f /tmp/console.log
expect_death "vCPU thread, kill mode (default)" "the VMM was killed by signal 31 (SIGSYS)" --debug-seccomp-violation vcpu
rm -f /tmp/console.log
expect_death "device thread, kill mode (default)" "the VMM was killed by signal 31 (SIGSYS)" --debug-seccomp-violation device
rm -f /tmp/console.log
expect_death "vCPU thread, log mode, no jail" "thread 'vcpu [0-9]*' (role vcpu) made a forbidden system call: execve " \
  --seccomp log --no-jail --debug-seccomp-violation vcpu

echo "== --no-sandbox: the same forbidden calls are harmless"
run_vmm --no-sandbox --debug-seccomp-violation vcpu
[ "$rc" -eq 0 ] && ok "exit 0" || { cat /tmp/vmm.log; fail "--no-sandbox: exit $rc"; }
expect_line /tmp/console.log GUEST-USERSPACE-MARKER
grep -q "sandbox off" /tmp/vmm.log && ok "sandbox off" || fail "no 'sandbox off' in the log"
finish
