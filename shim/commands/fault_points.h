#pragma once
// Named places in create, start, exec and delete where a test stops the shim, kills something
// (the shim itself, the VMM's outer process, the jailed VMM, the guest) and then checks that
// `state` tells the truth and `delete --force` leaves nothing behind.
//
// A debug switch, off unless the host settings say "fault_points": true. Then, when
// PPC_KVM_SHIM_STOP_AT names the point reached, the shim appends "POINT PID\n" to the file
// $PPC_KVM_SHIM_STOP_REPORT (when set) and stops itself with SIGSTOP; SIGCONT goes on.
#include <array>
#include <string_view>

namespace ppc::shim {

inline constexpr std::array<std::string_view, 11> kFaultPoints = {
    "create.state-directory",  // the locked state directory and its ledger exist
    "create.share",            // the share and its binds are mounted
    "create.cgroup",           // the VM's cgroup exists
    "create.network",          // the network namespace's taps and redirects exist; no VMM yet
    "create.vmm-ready",        // the VMM reported ready (and the agent has the network); no state.json yet
    "create.state-written",    // state.json says created; the VMM is not yet handed over
    "start.state-written",     // state.json says running; the agent has not been asked yet
    "start.started",           // the agent started the process; poststart hooks not run
    "exec.started",            // the agent started the exec'd process; its stdio flows
    "delete.vmm-killed",       // the VMM is gone; the ledger not yet undone
    "delete.undone",           // the ledger undone; the state directory still there
};

// Stops here when the switch is on and PPC_KVM_SHIM_STOP_AT is `point` (one of kFaultPoints).
void fault_point(std::string_view point);

}  // namespace ppc::shim
