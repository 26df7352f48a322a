#pragma once
// How much of a guest's console output reaches a host file: the guest decides how much it
// writes, the file lives in host RAM (/run), so both the total and the rate are bounded. What is
// over is dropped and counted, and the file says so in a line of its own: where output was
// dropped for its rate (when writing resumes), and where the total ran out (once, at the end).
// Once the rate runs dry, everything is dropped until a quarter of the burst has been earned
// back: a steady flood then gives the file a notice and a stretch of output every few seconds,
// not a notice between every few bytes.
#include <cstdint>
#include <string>

namespace ppc::vmm {

class OutputBudget {
 public:
  struct Limits {
    uint64_t total;             // bytes in all, notices included
    uint64_t bytes_per_second;  // the average rate
    uint64_t burst;             // bytes at once after a quiet spell
  };
  // What to write for some guest output: a notice first (empty for none), then the first
  // `bytes` of the output, then a closing notice (empty for none).
  struct Admission {
    std::string notice_before;
    uint64_t bytes = 0;
    std::string notice_after;
  };

  explicit OutputBudget(Limits limits);
  Admission admit(uint64_t bytes, uint64_t now_ns);
  uint64_t dropped() const { return dropped_; }
  uint64_t written() const { return written_; }

 private:
  void refill(uint64_t now_ns);

  const Limits limits_;
  uint64_t tokens_;         // bytes the rate allows now
  uint64_t last_ns_ = 0;    // when tokens_ was last refilled (0: never)
  uint64_t written_ = 0;    // everything admitted, notices included
  uint64_t dropped_ = 0;    // guest bytes dropped, in all
  uint64_t unreported_ = 0; // dropped for the rate since the last notice
  bool dropping_ = false;   // the rate ran dry: until a quarter of the burst is earned back
  bool closed_ = false;     // the total ran out
};

// A console file's bounds by default (--console PATH, a container's console.log under /run):
// 4 MiB in all, 32 KiB/s on average after a burst of 256 KiB (a verbose boot prints about
// 100 KiB at once). --console-limit changes them.
inline constexpr OutputBudget::Limits kConsoleFileLimits{4u << 20, 32u << 10, 256u << 10};

}  // namespace ppc::vmm
