#pragma once
// The hvterm console: guest output to a file descriptor (stderr or a log file), guest input
// from another (stdin) when asked, polled without ever blocking the vCPU thread. Remembers a
// kernel panic line so the VMM can tell a panic from a plain reboot. Output to a file is
// bounded (output_budget.h): the guest decides how much it writes.
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "base/unique_fd.h"
#include "output_budget.h"

namespace ppc::vmm {

class Console {
 public:
  // out: where guest output goes (not owned unless owned_out); in: -1 for no input; limits:
  // none for a terminal or a pipe someone reads.
  Console(int out_fd, UniqueFd owned_out, int in_fd, std::optional<OutputBudget::Limits> limits = std::nullopt);

  void write(std::string_view text);
  // Up to max bytes of pending input, or 0 when none is ready.
  size_t read(char* buf, size_t max);
  // The guest's "Kernel panic - not syncing: ..." line, empty when none was seen.
  std::string panic_line() const;
  // CLOCK_MONOTONIC time of the first output, 0 before any.
  uint64_t first_output_ns() const;
  // Guest bytes the limits dropped.
  uint64_t dropped() const;

 private:
  mutable std::mutex mu_;
  int out_fd_;
  UniqueFd owned_out_;
  int in_fd_;
  std::optional<OutputBudget> budget_;
  std::string line_;
  std::string panic_line_;
  uint64_t first_output_ns_ = 0;
};

}  // namespace ppc::vmm
