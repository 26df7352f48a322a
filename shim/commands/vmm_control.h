#pragma once
// Signals to a container's VMM from the host: the VMM's pid is the jail's supervisor, and
// the real VMM (pid 1 of its own pid namespace) is its child, so each signal goes to the
// whole process tree. SIGSTOP and SIGKILL reach a namespace's pid 1 from outside it; so
// does SIGCONT's resumption.
#include <chrono>

#include "state/container_state.h"

namespace ppc::shim {

// No-op when the VMM is gone (or its pid belongs to another process now).
void signal_vmm(const ContainerState& state, int signal);

// Polls until the VMM has exited (or is a zombie): false if it still runs at the deadline.
bool wait_vmm_gone(const ContainerState& state, std::chrono::milliseconds timeout);

// SIGKILL to the tree, then waits up to `timeout`; throws Error if it survives.
void kill_vmm(const ContainerState& state, std::chrono::milliseconds timeout);

}  // namespace ppc::shim
