#pragma once
// Counts of VM exits by reason (and hypercalls by number) for one vCPU, kept by its own
// thread without locks and merged when the machine stops; plus the machine's milestones in
// integer nanoseconds (no floating point in vCPU threads: see fp_guard.h).
#include <cstdint>
#include <map>
#include <string>

namespace ppc::vmm {

uint64_t monotonic_ns();

struct ExitStats {
  // Distinct hypercall numbers counted one by one; the guest picks them, so the rest are
  // counted together as "other".
  static constexpr size_t kMaxHcallNumbers = 64;

  std::map<uint32_t, uint64_t> by_reason;
  std::map<uint64_t, uint64_t> hcalls;
  uint64_t other_hcalls = 0;
  void count_hcall(uint64_t nr);
  void merge(const ExitStats& other);
  // "exits: PAPR_HCALL (19) 1234 [H 0x58 1000, ...]; INTR (10) 3"
  std::string summary() const;
};

}  // namespace ppc::vmm
