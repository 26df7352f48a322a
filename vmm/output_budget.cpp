#include "output_budget.h"

#include <algorithm>

namespace ppc::vmm {
namespace {

constexpr uint64_t kNsPerSecond = 1'000'000'000;

// Room kept for the closing notice, so that it always fits within the total.
constexpr uint64_t kClosingRoom = 128;

std::string rate_notice(uint64_t dropped, uint64_t rate) {
  return "\n[ppc-kvm-vmm: " + std::to_string(dropped) + " bytes of console output dropped: over " +
         std::to_string(rate) + " bytes/s]\n";
}

std::string closing_notice(uint64_t total) {
  return "\n[ppc-kvm-vmm: console output past " + std::to_string(total) + " bytes is dropped]\n";
}

}  // namespace

OutputBudget::OutputBudget(Limits limits) : limits_(limits), tokens_(limits.burst) {}

void OutputBudget::refill(uint64_t now_ns) {
  if (last_ns_ != 0 && now_ns > last_ns_) {
    const uint64_t elapsed = now_ns - last_ns_;
    // In 128 bits: any gap at any rate, without overflow.
    using Wide = unsigned __int128;
    const Wide earned = Wide{elapsed / kNsPerSecond} * limits_.bytes_per_second +
                        Wide{elapsed % kNsPerSecond} * limits_.bytes_per_second / kNsPerSecond;
    tokens_ = static_cast<uint64_t>(std::min<Wide>(limits_.burst, Wide{tokens_} + earned));
  }
  if (now_ns > last_ns_) last_ns_ = now_ns;
}

OutputBudget::Admission OutputBudget::admit(uint64_t bytes, uint64_t now_ns) {
  Admission a;
  if (closed_) {
    dropped_ += bytes;
    return a;
  }
  refill(now_ns);
  const uint64_t room = limits_.total > written_ + kClosingRoom ? limits_.total - written_ - kClosingRoom : 0;
  if (dropping_ && tokens_ >= std::max<uint64_t>(1, limits_.burst / 4)) {
    dropping_ = false;
    a.notice_before = rate_notice(unreported_, limits_.bytes_per_second);
    if (a.notice_before.size() > room) a.notice_before.clear();  // the closing notice says it all
    tokens_ -= std::min<uint64_t>(tokens_, a.notice_before.size());
    written_ += a.notice_before.size();
    unreported_ = 0;
  }
  const uint64_t left = room - std::min<uint64_t>(room, a.notice_before.size());
  a.bytes = dropping_ ? 0 : std::min({bytes, tokens_, left});
  const bool total_held_back = !dropping_ && left < bytes && left <= tokens_;
  tokens_ -= a.bytes;
  written_ += a.bytes;
  dropped_ += bytes - a.bytes;
  if (total_held_back) {
    closed_ = true;
    a.notice_after = closing_notice(limits_.total);
    written_ += a.notice_after.size();
  } else if (a.bytes < bytes) {
    dropping_ = true;
    unreported_ += bytes - a.bytes;
  }
  return a;
}

}  // namespace ppc::vmm
