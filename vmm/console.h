#pragma once
// The hvterm console: guest output to a file descriptor (stderr or a log file), guest input
// from another (stdin) when asked, polled without ever blocking the vCPU thread. Remembers a
// kernel panic line so the VMM can tell a panic from a plain reboot.
#include <mutex>
#include <string>
#include <string_view>

#include "base/unique_fd.h"

namespace ppc::vmm {

class Console {
 public:
  // out: where guest output goes (not owned unless owned_out); in: -1 for no input.
  Console(int out_fd, UniqueFd owned_out, int in_fd);

  void write(std::string_view text);
  // Up to max bytes of pending input, or 0 when none is ready.
  size_t read(char* buf, size_t max);
  // The guest's "Kernel panic - not syncing: ..." line, empty when none was seen.
  std::string panic_line() const;
  // CLOCK_MONOTONIC time of the first output, 0 before any.
  uint64_t first_output_ns() const;

 private:
  mutable std::mutex mu_;
  int out_fd_;
  UniqueFd owned_out_;
  int in_fd_;
  std::string line_;
  std::string panic_line_;
  uint64_t first_output_ns_ = 0;
};

}  // namespace ppc::vmm
