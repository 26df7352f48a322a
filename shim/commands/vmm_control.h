#pragma once
// Signals to a container's VMM from the host: the VMM's pid is the jail's supervisor, and
// the real VMM (pid 1 of its own pid namespace) is its child, so each signal goes to the
// whole process tree. SIGSTOP and SIGKILL reach a namespace's pid 1 from outside it; so
// does SIGCONT's resumption.
#include <sys/types.h>

#include <chrono>
#include <cstdint>

#include "state/container_state.h"

namespace ppc::shim {

// A VMM as /proc knows it: its pid (the one in --pid-file) and when that process started, so
// that a reused pid is not taken for it.
struct VmmIdentity {
  pid_t pid = 0;
  uint64_t start_time = 0;
};

inline VmmIdentity vmm_of(const ContainerState& state) { return {state.pid, state.pid_start_time}; }

// No-op when the VMM is gone (or its pid belongs to another process now).
void signal_vmm(const VmmIdentity& vmm, int signal);
inline void signal_vmm(const ContainerState& state, int signal) { signal_vmm(vmm_of(state), signal); }

// Polls until the VMM has exited (or is a zombie): false if it still runs at the deadline.
bool wait_vmm_gone(const VmmIdentity& vmm, std::chrono::milliseconds timeout);

// Polls until every thread of the tree is stopped (SIGSTOP took effect), or none is (SIGCONT):
// false at the deadline.
bool wait_vmm_stopped(const VmmIdentity& vmm, bool stopped, std::chrono::milliseconds timeout);

// SIGKILL to the tree, then waits up to `timeout`; throws Error if it survives.
void kill_vmm(const VmmIdentity& vmm, std::chrono::milliseconds timeout);
inline void kill_vmm(const ContainerState& state, std::chrono::milliseconds timeout) { kill_vmm(vmm_of(state), timeout); }

}  // namespace ppc::shim
