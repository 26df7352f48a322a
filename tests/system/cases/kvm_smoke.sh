# Runs in L1 (busybox sh): a guest of the profile's KVM flavour makes PAPR hypercalls that
# must reach our program.
kvm_smoke --type "$RIG_PROFILE"
