# Runs in L1 (busybox sh): a guest of the profile's KVM flavour makes PAPR hypercalls that
# must reach our program.
. /rig/case_lib.sh
kvm_smoke --type "$RIG_PROFILE"
rc=$?
if [ "$rc" -eq 0 ]; then ok "kvm_smoke: the hypercalls reached us"; else fail "kvm_smoke exited $rc"; finish; fi
# The VMM's readable capability probe works against the same KVM.
ppc-kvm-vmm --probe > /tmp/probe.txt
rc=$?
cat /tmp/probe.txt
if [ "$rc" -eq 0 ]; then ok "ppc-kvm-vmm --probe exited 0"; else fail "ppc-kvm-vmm --probe exited $rc"; finish; fi
if grep -q "^  PPC_PAPR  *1$" /tmp/probe.txt; then ok "--probe shows PPC_PAPR 1"; else fail "--probe does not show PPC_PAPR 1"; fi
if grep -q "^VM type $RIG_PROFILE:" /tmp/probe.txt; then ok "--probe creates a $RIG_PROFILE VM"; else fail "--probe cannot create a $RIG_PROFILE VM"; fi
finish
