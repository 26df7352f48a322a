#pragma once
// The VMM's thread roles and, for each, the system calls it may make once its seccomp filter
// is in place: a plain table, so that a reviewer reads what a role can do in one screen.
// The rendered tables are kept in vmm/sandbox/allowlists.txt; a unit test fails when they
// differ, so a list never grows by accident (`ppc-kvm-vmm --print-seccomp` prints them).
//
// Adding a role (e.g. the future "control" thread): add it to Role and to the table in
// syscall_roles.cpp, start its thread with Sandbox::enter_thread(Role::X, ...) before it touches
// anything the guest or a client controls, count it in Machine's start-up latch, and update
// allowlists.txt from --print-seccomp after reviewing the difference.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ppc::vmm {

enum class Role {
  Vcpu,        // runs KVM_RUN and handles the guest's exits (hypercalls, RTAS, MMIO)
  Device,      // the event loop: virtqueues, host sockets, disk files, irqfd/ioeventfd
  Main,        // waits for the stop, forwards signals, joins the threads, tears down
  Supervisor,  // the jail's outer process: forwards signals, mirrors the VMM's exit
  Control,     // the container relay: talks to the guest agent over the vsock socket,
               // pumps the container's stdio (ppc-kvm-vmm --container-request)
};

// One argument test: (arg[index] & mask) == value.
struct ArgCondition {
  unsigned index;
  uint64_t mask;
  uint64_t value;
  std::string text;  // how it is printed, e.g. "arg1 == KVM_RUN"
};

// The system call `name` (as libseccomp names it) is allowed when every condition holds;
// a call with several rules is allowed when any of them holds.
struct SyscallRule {
  std::string name;
  std::vector<ArgCondition> conditions;
  // 0: the call is allowed. Otherwise it fails with this errno instead of killing: for calls
  // whose failure the C library handles (clone3, which glibc retries as clone).
  int fail_with = 0;
};

struct RoleSpec {
  Role role;
  std::string name;     // "vcpu", "device", "main", "supervisor"
  std::string summary;  // what such a thread does
  std::vector<SyscallRule> rules;

  // Distinct system calls (an ioctl with six allowed requests counts once).
  size_t syscall_count() const;
};

const std::vector<RoleSpec>& all_roles();
const RoleSpec& role_spec(Role role);
std::optional<Role> parse_role(std::string_view name);
std::string_view role_name(Role role);

// The text of allowlists.txt: a header, then "<role> <syscall>[ <condition>...]" per rule.
std::string render_allowlists();

}  // namespace ppc::vmm
