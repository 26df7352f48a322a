# Runs in L1 (busybox sh): a guest of the profile's KVM flavour makes PAPR hypercalls that
# must reach our program.
kvm_smoke --type "$RIG_PROFILE"
rc=$?
[ "$rc" -eq 0 ] || exit "$rc"
# The VMM's readable capability probe works against the same KVM.
ppc-kvm-vmm --probe > /tmp/probe.txt || { echo "FAIL: ppc-kvm-vmm --probe exited $?"; exit 1; }
cat /tmp/probe.txt
grep -q "^  PPC_PAPR  *1$" /tmp/probe.txt || { echo "FAIL: --probe does not show PPC_PAPR 1"; exit 1; }
grep -q "^VM type $RIG_PROFILE:" /tmp/probe.txt || { echo "FAIL: --probe cannot create a $RIG_PROFILE VM"; exit 1; }
