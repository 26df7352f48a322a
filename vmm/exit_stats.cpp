#include "exit_stats.h"

#include <time.h>

#include "base/hex.h"
#include "kvm/exit_reason.h"

namespace ppc::vmm {

uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

void ExitStats::count_hcall(uint64_t nr) {
  const auto it = hcalls.find(nr);
  if (it != hcalls.end()) ++it->second;
  else if (hcalls.size() < kMaxHcallNumbers) hcalls.emplace(nr, 1);
  else ++other_hcalls;
}

void ExitStats::merge(const ExitStats& other) {
  for (const auto& [k, v] : other.by_reason) by_reason[k] += v;
  for (const auto& [k, v] : other.hcalls) {
    const auto it = hcalls.find(k);
    if (it != hcalls.end()) it->second += v;
    else if (hcalls.size() < kMaxHcallNumbers) hcalls.emplace(k, v);
    else other_hcalls += v;
  }
  other_hcalls += other.other_hcalls;
}

std::string ExitStats::summary() const {
  std::string out = "exits:";
  uint64_t total = 0;
  for (const auto& [reason, n] : by_reason) {
    out += " " + exit_reason_name(reason) + " " + std::to_string(n) + ";";
    total += n;
  }
  out += " total " + std::to_string(total) + "; hypercalls:";
  for (const auto& [nr, n] : hcalls) out += " " + hex(nr) + " " + std::to_string(n) + ";";
  if (other_hcalls) out += " other " + std::to_string(other_hcalls) + ";";
  return out;
}

}  // namespace ppc::vmm
