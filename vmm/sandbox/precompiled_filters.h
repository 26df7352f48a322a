#pragma once
// Every role's seccomp filter in kill mode, compiled by libseccomp at build time
// (compile_filters.cpp); a thread installs its role's program with load_precompiled_filter.
// Log mode (a debugging aid) still compiles at run time.
#include <cstdint>
#include <span>

#include "sandbox/syscall_roles.h"

namespace ppc::vmm {

// The BPF program (struct sock_filter instructions, as libseccomp exports them).
std::span<const uint8_t> precompiled_filter(Role role);

// Sets no_new_privs (as libseccomp does) and installs `program` in the calling thread.
// Throws Error.
void load_precompiled_filter(std::span<const uint8_t> program);

}  // namespace ppc::vmm
