#pragma once
// The seccomp vocabulary of linux.seccomp (runtime-spec config-linux.md, libseccomp 2.6).
#include <string_view>

namespace ppc::oci {

// SCMP_ACT_KILL KILL_PROCESS KILL_THREAD TRAP ERRNO TRACE ALLOW LOG NOTIFY
bool is_known_seccomp_action(std::string_view name);
// SCMP_CMP_NE LT LE EQ GE GT MASKED_EQ
bool is_known_seccomp_operator(std::string_view name);
// SCMP_ARCH_X86 ... SCMP_ARCH_SHEB (the spec's list)
bool is_known_seccomp_arch(std::string_view name);
// SECCOMP_FILTER_FLAG_TSYNC LOG SPEC_ALLOW WAIT_KILLABLE_RECV
bool is_known_seccomp_flag(std::string_view name);
// Whether errnoRet means something for this action (SCMP_ACT_ERRNO, SCMP_ACT_TRACE).
bool seccomp_action_takes_errno(std::string_view action);

}  // namespace ppc::oci
