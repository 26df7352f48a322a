#pragma once
// cgroup v2 placement: the VMM moves itself into a cgroup the caller prepared (limits are the
// caller's business), before it allocates guest memory, so that every page is charged there.
#include <string>

namespace ppc::vmm {

// Writes this process to DIR/cgroup.procs. Throws ConfigError when DIR is not a cgroup v2
// directory, Error when the move fails.
void join_cgroup(const std::string& dir);

}  // namespace ppc::vmm
