#pragma once
// The hypercalls the VMM answers, by number. Each part of the machine registers the calls
// it implements (the console, H_SET_MODE, RTAS, ...) instead of editing a central switch;
// a number nobody registered gets H_FUNCTION and is logged once (for a bounded number of
// distinct numbers: the guest chooses them).
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "log.h"

namespace ppc::vmm {

// r4..r12 on entry; whatever the handler leaves there is copied back to the guest's r4..r12.
using HcallArgs = uint64_t[9];
// Returns the hypercall status (r3). Runs on the calling vCPU's thread.
using HcallHandler = std::function<int64_t(unsigned cpu, HcallArgs& args)>;

class HcallTable {
 public:
  // Throws Error when nr is registered already.
  void add(uint64_t nr, std::string name, HcallHandler handler);
  bool has(uint64_t nr) const { return handlers_.count(nr) != 0; }
  // The status of hypercall nr from vCPU cpu.
  int64_t call(unsigned cpu, uint64_t nr, HcallArgs& args) const;
  // Its registered name ("H_PUT_TERM_CHAR"), or "" (for statistics and messages).
  std::string name(uint64_t nr) const;
  // How many distinct unregistered numbers are remembered for "logged once" (bounded).
  size_t remembered_unknown() const;

 private:
  void note_unknown(unsigned cpu, uint64_t nr) const;

  struct Entry {
    std::string name;
    HcallHandler handler;
  };
  std::map<uint64_t, Entry> handlers_;  // fixed once the guest runs: read without a lock

  static constexpr size_t kRememberedUnknown = 32;
  mutable std::mutex unknown_mu_;
  mutable std::array<uint64_t, kRememberedUnknown> unknown_{};
  mutable size_t unknown_count_ = 0;
  mutable LimitedLog unknown_log_{"unknown-hypercall", kRememberedUnknown};
};

}  // namespace ppc::vmm
