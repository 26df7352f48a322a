#pragma once
// --seccomp log: a forbidden system call traps (SIGSYS) instead of killing at once; the
// handler names the thread, its role and the call on stderr, then the VMM dies of SIGSYS.
#include <string_view>

namespace ppc::vmm {

// Installs the SIGSYS handler for the whole process and prepares the table of system call
// names it prints (the handler itself may only make async-signal-safe calls). Once, before
// any filter is loaded.
void install_violation_logger();

// Names the calling thread in that log ("vcpu 0", role "vcpu"); copied into thread-local storage.
void set_thread_identity(std::string_view label, std::string_view role);

}  // namespace ppc::vmm
