#pragma once
// linux.seccomp with libseccomp: every action (errno with its errnoRet, kill, trap, trace,
// log, allow) and argument comparison of the runtime spec.
#include "oci/config.h"

namespace ppc::agent {

// Builds and loads the filter in the calling (single-threaded) process. Throws Error
// naming the field. Syscall names this kernel's architecture does not know are skipped, as
// runc does: profiles list syscalls of every architecture.
void load_seccomp_filter(const oci::Seccomp& seccomp);

}  // namespace ppc::agent
