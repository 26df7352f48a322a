#include "sandbox/cgroup.h"

#include <unistd.h>

#include "base/error.h"
#include "cgroup_procs.h"

namespace ppc::vmm {

void join_cgroup(const std::string& dir) {
  const UniqueFd procs = open_cgroup_procs(dir, "--cgroup");
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::write(procs.get(), pid.data(), pid.size()) != static_cast<ssize_t>(pid.size()))
    throw_errno("--cgroup: joining " + dir);
}

}  // namespace ppc::vmm
