#include "commands/fault_points.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <string>

#include "base/error.h"
#include "base/unique_fd.h"
#include "log/logger.h"
#include "vm/shim_config.h"

namespace ppc::shim {

void fault_point(std::string_view point) {
  if (std::find(kFaultPoints.begin(), kFaultPoints.end(), point) == kFaultPoints.end()) {
    throw Error("internal: \"" + std::string(point) + "\" is not a fault point");
  }
  const char* stop_at = std::getenv("PPC_KVM_SHIM_STOP_AT");
  if (stop_at == nullptr || point != stop_at) return;
  if (!load_shim_config().fault_points) {
    logger().warning("PPC_KVM_SHIM_STOP_AT is ignored: the host settings do not enable \"fault_points\"");
    return;
  }
  const std::string line = std::string(point) + " " + std::to_string(::getpid()) + "\n";
  logger().warning("stopping at fault point " + std::string(point));
  if (const char* report = std::getenv("PPC_KVM_SHIM_STOP_REPORT")) {
    UniqueFd fd(::open(report, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
    if (!fd.valid() || ::write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      throw_errno("PPC_KVM_SHIM_STOP_REPORT " + std::string(report));
    }
  }
  ::raise(SIGSTOP);
}

}  // namespace ppc::shim
