# Runs in L1 (busybox sh). Negative control: a guest that never makes its hypercall must make
# kvm_smoke fail, and for that reason, so a smoke test that cannot fail shows up here.
out=$(kvm_smoke --type "$RIG_PROFILE" --no-hcall --timeout 5 2>&1)
rc=$?
echo "$out"
if [ "$rc" -eq 0 ]; then echo "FAIL: kvm_smoke passed with a guest that makes no hypercall"; exit 1; fi
echo "$out" | grep -q "FAIL: no hypercall 1 within 5 s" || { echo "FAIL: kvm_smoke failed for another reason"; exit 1; }
echo "PASS: the broken guest was caught"
