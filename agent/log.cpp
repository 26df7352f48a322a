#include "log.h"

#include <unistd.h>

#include <string>

namespace ppc::agent {

void log_line(std::string_view message) {
  std::string line = "ppc-kvm-agent: ";
  line.append(message);
  line.push_back('\n');
  // One write per line, so that lines from several threads do not interleave.
  [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace ppc::agent
