#pragma once
// What a vCPU does with one exit from KVM_RUN, as a free function over the kvm_run area so
// that unit tests drive it with made-up exits: a hypercall goes to the HcallTable, an MMIO
// access to the MmioBus; an interrupted run is nothing to do; anything else is unexpected
// and stops the machine (the caller names the guest's pc).
#include <linux/kvm.h>

#include <cstdint>

#include "bus/mmio_bus.h"
#include "exit_stats.h"
#include "log.h"
#include "pseries/hcall_table.h"

namespace ppc::vmm {

struct ExitTargets {
  const HcallTable& hcalls;
  const MmioBus& mmio;
  LimitedLog& unclaimed_mmio;  // accesses no device holds: logged, bounded
};

enum class ExitOutcome {
  kHandled,     // the exit was served; run the vCPU again
  kInterrupted, // KVM_RUN came back for a signal (EINTR or KVM_EXIT_INTR): nothing to serve
  kUnexpected,  // an exit reason this machine does not serve
};

// Serves run's exit for vCPU cpu and counts it in stats (null: statistics were not asked for,
// nothing is kept). The guest's values in run (hcall number and arguments, MMIO address,
// length, data) are checked before use.
ExitOutcome handle_exit(kvm_run& run, unsigned cpu, const ExitTargets& targets, ExitStats* stats);

}  // namespace ppc::vmm
