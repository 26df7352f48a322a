# shellcheck shell=bash
# The e2e L1 host works with a stock OCI runtime (crun; no ppc-kvm-shim needed): podman and
# containerd run the local busybox image, exit statuses come through, and L1 has KVM-HV for
# our runtime. Times are under full emulation: compare them only with each other.
. /e2e/case_lib.sh

echo "L1: kernel $(uname -r), $(nproc) CPUs; $(podman --version); $(crun --version | head -1);" \
     "$(runc --version | head -1); $(ctr --version); $(conmon --version | head -1)"

if [ -c /dev/kvm ]; then ok "/dev/kvm exists"; else fail "/dev/kvm is missing"; fi
if grep -q '^kvm_hv ' /proc/modules; then ok "kvm_hv is loaded"; else fail "kvm_hv is not loaded"; fi

# podman with crun. The first run also pays for podman's first use of its storage.
timed podman_run_echo_first podman --runtime crun run --rm --network=none $IMG echo hi
expect_run "podman run echo hi (first)" 0 hi
timed podman_run_echo podman --runtime crun run --rm --network=none $IMG echo hi
expect_run "podman run echo hi" 0 hi
timed podman_run_exit7 podman --runtime crun run --rm --network=none $IMG sh -c 'exit 7'
expect_run "podman run sh -c 'exit 7'" 7 ""

# With a syslog daemon (/dev/log) in L1, debug logging does not stall podman (20 s without).
timed podman_run_debug_log podman --log-level=debug --runtime crun run --rm --network=none $IMG echo hi
expect_run "podman --log-level=debug run echo hi" 0 hi

# containerd (ctr's default runtime: io.containerd.runc.v2 with runc).
timed ctr_run_echo ctr run --rm $IMG e2e-baseline-echo echo hi
expect_run "ctr run echo hi" 0 hi
timed ctr_run_exit7 ctr run --rm $IMG e2e-baseline-exit7 sh -c 'exit 7'
expect_run "ctr run sh -c 'exit 7'" 7 ""

# crun alone on a bundle: the floor under both engines.
bundle=/tmp/bundle
mkdir -p $bundle/rootfs
tar -C $bundle/rootfs -xf /usr/share/e2e/busybox-rootfs.tar
(cd $bundle && crun spec)
sed -i -e 's/"terminal": true/"terminal": false/' -e 's/"sh"$/"echo", "hi"/' $bundle/config.json
timed crun_run_echo crun run --bundle $bundle e2e-baseline-crun
expect_run "crun run echo hi (bundle)" 0 hi

# In the same boot: the differential conformance harness (issue 20), which ends the case.
. /e2e/cases/conformance.sh
