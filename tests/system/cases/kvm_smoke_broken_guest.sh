# Runs in L1 (busybox sh). Negative control: a guest that never makes its hypercall must make
# kvm_smoke fail, and for that reason, so a smoke test that cannot fail shows up here.
. /rig/case_lib.sh
out=$(kvm_smoke --type "$RIG_PROFILE" --no-hcall --timeout 5 2>&1)
rc=$?
echo "$out"
if [ "$rc" -ne 0 ]; then ok "kvm_smoke failed (exit $rc)"; else fail "kvm_smoke passed with a guest that makes no hypercall"; fi
if echo "$out" | grep -q "FAIL: no hypercall 1 within 5 s"; then ok "the broken guest was caught: no hypercall"
else fail "kvm_smoke failed for another reason"; fi
finish
