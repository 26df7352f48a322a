#include "pseries/hcall_table.h"

#include <algorithm>

#include "base/error.h"
#include "base/hex.h"
#include "pseries/papr.h"

namespace ppc::vmm {

void HcallTable::add(uint64_t nr, std::string name, HcallHandler handler) {
  const auto it = handlers_.find(nr);
  if (it != handlers_.end()) throw Error("hypercall " + hex(nr) + " (" + name + ") is registered already as " + it->second.name);
  handlers_.emplace(nr, Entry{std::move(name), std::move(handler)});
}

int64_t HcallTable::call(unsigned cpu, uint64_t nr, HcallArgs& args) const {
  const auto it = handlers_.find(nr);
  if (it != handlers_.end()) return it->second.handler(cpu, args);
  note_unknown(cpu, nr);
  return papr::kFunction;
}

std::string HcallTable::name(uint64_t nr) const {
  const auto it = handlers_.find(nr);
  return it == handlers_.end() ? std::string() : it->second.name;
}

size_t HcallTable::remembered_unknown() const {
  std::lock_guard lock(unknown_mu_);
  return unknown_count_;
}

void HcallTable::note_unknown(unsigned cpu, uint64_t nr) const {
  {
    std::lock_guard lock(unknown_mu_);
    const auto seen = unknown_.begin() + static_cast<std::ptrdiff_t>(unknown_count_);
    if (std::find(unknown_.begin(), seen, nr) != seen) return;
    // The first kRememberedUnknown numbers are remembered; past them the log says it stops.
    if (unknown_count_ < unknown_.size()) unknown_[unknown_count_++] = nr;
  }
  unknown_log_.line("vCPU " + std::to_string(cpu) + ": hypercall " + hex(nr) + " not implemented (H_FUNCTION; logged once)");
}

}  // namespace ppc::vmm
