#pragma once
// The VMM's one output path for its own messages: "ppc-kvm-vmm: <text>" lines on stderr,
// which in container mode is the --log file. Every message, errors printed by main.cpp
// included, goes through here, one write(2) per line so that threads never interleave.
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace ppc::vmm {

void log_line(std::string_view text);

// For messages a guest can trigger again and again (a bad RTAS block, an unclaimed MMIO
// address): the first `limit` lines are logged, the next one says that the rest of this kind
// is dropped, and nothing more is written.
class LimitedLog {
 public:
  LimitedLog(std::string kind, unsigned limit) : kind_(std::move(kind)), limit_(limit) {}
  void line(std::string_view text);
  uint64_t dropped() const;

 private:
  const std::string kind_;
  const unsigned limit_;
  std::atomic<uint64_t> count_{0};  // 64 bits: a guest cannot wrap it around
};

}  // namespace ppc::vmm
