#pragma once
// The last steps before a container process execs, in the child, in runc's order: rlimits,
// oom score, umask, user and groups, capabilities, cwd, no_new_privs, seccomp, execve.
#include "oci/config.h"

namespace ppc::agent {

// Never returns: execs the process, or throws (LaunchError 126/127 for exec failures,
// Error naming the field for the rest).
[[noreturn]] void exec_process(const oci::Process& process, const std::optional<oci::Seccomp>& seccomp);

}  // namespace ppc::agent
