#pragma once
// A cgroup v2 directory's cgroup.procs, opened for writing: what moves a process into the
// cgroup (its pid, or "0" for the writer itself). Used for the VMM (--cgroup) and for the
// daemon it starts (--virtiofsd-cgroup).
#include <string>

#include "base/unique_fd.h"

namespace ppc::vmm {

// Throws ConfigError naming `flag` when `dir` cannot be opened or is not a cgroup v2 directory,
// Error when its cgroup.procs cannot be opened for writing.
UniqueFd open_cgroup_procs(const std::string& dir, const std::string& flag);

}  // namespace ppc::vmm
