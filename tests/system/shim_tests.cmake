# System tests of the ppc-kvm-shim CLI (issue 6): cases/shim_*.sh drive the real binary in L1
# with a busybox bundle, each container in its own guest.
#  shim_lifecycle: create/state/start/exit/stopped/delete, run's output and status, kill TERM
#                  and KILL, delete --force, exec (plain, tty, --detach, --process, missing
#                  binary), pause/resume, list, ps, start of a running container
#  shim_parallel:  8 containers run at once, each with its own output and status
#  shim_faults:    a fault at each of the shim's named points (the shim, the VMM's outer
#                  process, the jailed VMM killed, a guest panic): state tells the truth and
#                  delete --force leaves nothing; commands in the wrong state refused
#  shim_soak:      cycles of 4 containers run and deleted at once (cgroup, network namespace,
#                  tap, virtiofsd each) for 45 s: L1's counts of processes, fds, mounts, state
#                  directories, cgroups and sockets unchanged, VMM RSS flat (README: the long soak)
#  shim_console:   --console-socket with a real pty (create and run, exec --tty --detach):
#                  the receiver reads sh's prompt and types commands
# Helpers: console_receiver (conmon's end of the console socket), reaper (a subreaper that
# logs the exit status of the VMM, as conmon does).
add_executable(console_receiver shim/console_receiver.cpp)
target_link_libraries(console_receiver PRIVATE shim_console)
add_executable(reaper shim/reaper.cpp)
ppc_kvm_shim_system_test(shim_lifecycle PROFILES pr hv TIMEOUT 900)
ppc_kvm_shim_system_test(shim_parallel PROFILES pr hv TIMEOUT 900)
ppc_kvm_shim_system_test(shim_console PROFILES pr hv TIMEOUT 900)
ppc_kvm_shim_system_test(shim_faults PROFILES pr hv TIMEOUT 900)
ppc_kvm_shim_system_test(shim_soak PROFILES pr hv TIMEOUT 900)
