#include "log.h"

#include <unistd.h>

#include <cerrno>

namespace ppc::vmm {

void log_line(std::string_view text) {
  std::string line = "ppc-kvm-vmm: ";
  line.append(text);
  line.push_back('\n');
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(STDERR_FILENO, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to report it
    done += static_cast<size_t>(n);
  }
}

void LimitedLog::line(std::string_view text) {
  const uint64_t n = count_.fetch_add(1, std::memory_order_relaxed);
  if (n < limit_) log_line(text);
  else if (n == limit_) log_line("further " + kind_ + " messages are dropped (" + std::to_string(limit_) + " logged)");
}

uint64_t LimitedLog::dropped() const {
  const uint64_t n = count_.load(std::memory_order_relaxed);
  return n > limit_ ? n - limit_ : 0;
}

}  // namespace ppc::vmm
