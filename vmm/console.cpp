#include "console.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>

#include "exit_stats.h"

namespace ppc::vmm {

namespace {

void write_all(int fd, std::string_view text) {
  for (size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a closed console must not stop the guest
    done += static_cast<size_t>(n);
  }
}

}  // namespace

Console::Console(int out_fd, UniqueFd owned_out, int in_fd, std::optional<OutputBudget::Limits> limits)
    : out_fd_(out_fd), owned_out_(std::move(owned_out)), in_fd_(in_fd) {
  if (limits) budget_.emplace(*limits);
}

void Console::write(std::string_view text) {
  std::lock_guard lock(mu_);
  const uint64_t now = monotonic_ns();
  if (!first_output_ns_) first_output_ns_ = now;
  if (budget_) {
    const OutputBudget::Admission a = budget_->admit(text.size(), now);
    write_all(out_fd_, a.notice_before);
    write_all(out_fd_, text.substr(0, a.bytes));
    write_all(out_fd_, a.notice_after);
  } else {
    write_all(out_fd_, text);
  }
  // Dropped output is still read for the panic line.
  for (char c : text) {
    if (c != '\n') {
      if (line_.size() < 512) line_.push_back(c);
      continue;
    }
    if (panic_line_.empty() && line_.find("Kernel panic - not syncing") != std::string::npos) panic_line_ = line_;
    line_.clear();
  }
}

size_t Console::read(char* buf, size_t max) {
  if (in_fd_ < 0) return 0;
  std::lock_guard lock(mu_);
  pollfd p{in_fd_, POLLIN, 0};
  if (::poll(&p, 1, 0) != 1 || !(p.revents & POLLIN)) return 0;
  const ssize_t n = ::read(in_fd_, buf, max);
  if (n <= 0) {
    in_fd_ = -1;  // end of input: stop polling it
    return 0;
  }
  return static_cast<size_t>(n);
}

uint64_t Console::first_output_ns() const {
  std::lock_guard lock(mu_);
  return first_output_ns_;
}

uint64_t Console::dropped() const {
  std::lock_guard lock(mu_);
  return budget_ ? budget_->dropped() : 0;
}

std::string Console::panic_line() const {
  std::lock_guard lock(mu_);
  return panic_line_;
}

}  // namespace ppc::vmm
