#include "pseries/exit_handler.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <span>

#include "base/hex.h"

namespace ppc::vmm {
namespace {

void serve_hcall(kvm_run& run, unsigned cpu, const HcallTable& hcalls, ExitStats* stats) {
  if (stats) stats->count_hcall(run.papr_hcall.nr);
  HcallArgs args;
  std::copy(std::begin(run.papr_hcall.args), std::end(run.papr_hcall.args), args);
  run.papr_hcall.ret = static_cast<uint64_t>(hcalls.call(cpu, run.papr_hcall.nr, args));
  std::copy(std::begin(args), std::end(args), run.papr_hcall.args);
}

void serve_mmio(kvm_run& run, unsigned cpu, const ExitTargets& targets) {
  const uint64_t addr = run.mmio.phys_addr;
  // KVM never reports more than the 8 data bytes, but the length is checked all the same.
  const uint32_t len = std::min<uint32_t>(run.mmio.len, sizeof run.mmio.data);
  const bool claimed = run.mmio.is_write ? targets.mmio.write(addr, std::span<const uint8_t>(run.mmio.data, len))
                                         : targets.mmio.read(addr, std::span<uint8_t>(run.mmio.data, len));
  if (!claimed)
    targets.unclaimed_mmio.line("vCPU " + std::to_string(cpu) + ": " + (run.mmio.is_write ? "write" : "read") + " of " +
                                std::to_string(run.mmio.len) + " bytes at unclaimed guest address " + hex(addr));
}

}  // namespace

ExitOutcome handle_exit(kvm_run& run, unsigned cpu, const ExitTargets& targets, ExitStats* stats) {
  if (stats) ++stats->by_reason[run.exit_reason];
  switch (run.exit_reason) {
    case KVM_EXIT_PAPR_HCALL:
      serve_hcall(run, cpu, targets.hcalls, stats);
      return ExitOutcome::kHandled;
    case KVM_EXIT_MMIO:
      serve_mmio(run, cpu, targets);
      return ExitOutcome::kHandled;
    case KVM_EXIT_INTR:
      return ExitOutcome::kInterrupted;
    default:
      return ExitOutcome::kUnexpected;
  }
}

}  // namespace ppc::vmm
