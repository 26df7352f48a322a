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

void ExitStats::merge(const ExitStats& other) {
  for (const auto& [k, v] : other.by_reason) by_reason[k] += v;
  for (const auto& [k, v] : other.hcalls) hcalls[k] += v;
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
  return out;
}

}  // namespace ppc::vmm
