# System tests of the VMM sandbox (issue 7): cases/sandbox_*.sh.
#  sandbox_confined: a guest with everything on; every thread's CapEff/NoNewPrivs/Seccomp, the
#                    namespaces, the jail's root, fds and limits; vsock through the jail
#  sandbox_violation: a forbidden system call from the vCPU, device and main threads kills the
#                    VMM with SIGSYS (log mode names the call); --no-sandbox turns it off
#  sandbox_jail:     pivot_root (from a chroot), --uid/--gid, SIGTERM via the supervisor,
#                    cgroup v2 placement, --kvm-fd, a bad --cgroup
# They need an L1 kernel with seccomp filters and pid/IPC/UTS/net namespaces and cgroups
# (tests/rig/l1-host-kernel.fragment).
ppc_kvm_shim_system_test(sandbox_confined PROFILES pr hv TIMEOUT 420)
ppc_kvm_shim_system_test(sandbox_violation PROFILES pr hv TIMEOUT 300)
# L1 stays on its initramfs root here: the first VMM takes the jail's chroot fallback.
ppc_kvm_shim_system_test(sandbox_jail PROFILES pr hv TIMEOUT 420 APPEND rig.root=initramfs)
