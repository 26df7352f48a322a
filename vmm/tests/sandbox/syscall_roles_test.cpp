#include "sandbox/syscall_roles.h"

#include <sched.h>

#include <gtest/gtest.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <cstdlib>
#include <set>
#include <sstream>
#include <string>

#include "base/read_file.h"

namespace ppc::vmm {
namespace {

constexpr Role kRoles[] = {Role::Vcpu, Role::Device, Role::Main, Role::Supervisor, Role::Control};

std::set<std::string> lines_of(const std::string& text) {
  std::set<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] != '#') lines.insert(line);
  return lines;
}

// The lists are reviewed: any difference from the file in the repository fails, and says which
// rules appeared or disappeared.
TEST(Allowlists, MatchTheReviewedFile) {
  const std::string expected = read_file(PPC_KVM_SHIM_ALLOWLISTS);
  ASSERT_FALSE(expected.empty()) << "cannot read " << PPC_KVM_SHIM_ALLOWLISTS;
  const std::string actual = render_allowlists();
  if (actual == expected) return;
  const auto want = lines_of(expected), have = lines_of(actual);
  std::string added, removed;
  for (const auto& l : have)
    if (!want.count(l)) added += "  + " + l + "\n";
  for (const auto& l : want)
    if (!have.count(l)) removed += "  - " + l + "\n";
  ADD_FAILURE() << "the seccomp allowlists differ from " << PPC_KVM_SHIM_ALLOWLISTS << "\n"
                << added << removed
                << "Each rule is a widening of the guest's reach from a compromised VMM thread: edit the file "
                   "by hand, rule by rule, with the reason in the commit, once the change is reviewed.";
}

TEST(Roles, EveryRoleHasItsSpecAndName) {
  for (const Role role : kRoles) {
    const RoleSpec& spec = role_spec(role);
    EXPECT_EQ(spec.role, role);
    EXPECT_EQ(parse_role(spec.name), role);
    EXPECT_EQ(role_name(role), spec.name);
    EXPECT_FALSE(spec.rules.empty());
  }
  EXPECT_EQ(all_roles().size(), std::size(kRoles));
  EXPECT_FALSE(parse_role("nobody").has_value());
  EXPECT_FALSE(parse_role("").has_value());
}

TEST(Roles, EveryNameIsAPpc64leSystemCall) {
  // By number, as the kernel sees them (libseccomp's own name lookup gives the socket family
  // pseudo numbers on ppc64).
  std::set<std::string> names;
  for (int nr = 0; nr < 1024; ++nr)
    if (char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_PPC64LE, nr)) {
      names.insert(name);
      std::free(name);
    }
  ASSERT_GT(names.size(), 300u);
  for (const auto& spec : all_roles())
    for (const auto& rule : spec.rules) EXPECT_TRUE(names.count(rule.name)) << spec.name << " " << rule.name;
}

TEST(Roles, NoRoleCanEscapeOrSpawn) {
  // Calls that would undo the jail or the privilege drop, run code, or reach new resources.
  const char* forbidden[] = {"execve", "execveat", "fork", "vfork", "clone", "clone3", "ptrace", "mount",
                             "umount2", "pivot_root", "chroot", "open", "openat", "openat2", "open_by_handle_at",
                             "socketcall", "bpf", "seccomp", "prctl", "setuid", "setresuid", "setgid", "setresgid",
                             "capset", "unshare", "setns", "process_vm_writev", "process_vm_readv", "kexec_load",
                             "init_module", "finit_module", "mknodat", "memfd_create", "userfaultfd",
                             "perf_event_open", "io_uring_setup", "keyctl", "add_key", "move_mount", "fsopen",
                             "open_tree", "symlinkat", "linkat", "renameat2", "chmod", "fchmodat", "chown",
                             "fchownat", "reboot", "setrlimit", "prlimit64", "personality", "mremap"};
  for (const auto& spec : all_roles())
    for (const auto& rule : spec.rules) {
      // clone and clone3 have their own, narrower test below.
      if (rule.name == "clone" || rule.name == "clone3") continue;
      for (const char* name : forbidden) EXPECT_NE(rule.name, name) << "role " << spec.name;
    }
}

TEST(Roles, ThreadsMayBeCreatedButNeverProcesses) {
  constexpr uint64_t kNewProcessOrNamespace = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUSER | CLONE_NEWNET |
                                              CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP | CLONE_VFORK |
                                              CLONE_PARENT | CLONE_PTRACE;
  for (const auto& spec : all_roles())
    for (const auto& rule : spec.rules) {
      SCOPED_TRACE(spec.name + " " + rule.name);
      // clone3 keeps its flags in memory, out of a filter's sight: it may only fail.
      if (rule.name == "clone3") EXPECT_NE(rule.fail_with, 0);
      if (rule.name != "clone") continue;
      ASSERT_EQ(rule.conditions.size(), 1u);
      const ArgCondition& c = rule.conditions[0];
      EXPECT_EQ(c.index, 0u);
      EXPECT_EQ(c.mask, 0xffffffffull);  // every flag bit compared: exactly this set
      EXPECT_EQ(c.value & (CLONE_THREAD | CLONE_VM | CLONE_SIGHAND), static_cast<uint64_t>(CLONE_THREAD | CLONE_VM | CLONE_SIGHAND));
      EXPECT_EQ(c.value & kNewProcessOrNamespace, 0u);
      EXPECT_EQ(spec.role, Role::Control) << "only the container relay starts threads after its filter";
    }
}

TEST(Roles, ArgumentGuardsAreNeverDropped) {
  for (const auto& spec : all_roles()) {
    bool writes = false;
    for (const auto& rule : spec.rules) {
      SCOPED_TRACE(spec.name + " " + rule.name);
      if (rule.name == "write") writes = true;
      if (rule.name == "ioctl") {
        // Only named requests, never "any ioctl".
        ASSERT_EQ(rule.conditions.size(), 1u);
        EXPECT_EQ(rule.conditions[0].index, 1u);
      }
      if (rule.name == "socket") {
        ASSERT_EQ(rule.conditions.size(), 1u);
        EXPECT_EQ(rule.conditions[0].index, 0u);
        EXPECT_EQ(rule.conditions[0].value, static_cast<uint64_t>(AF_UNIX));
      }
      if (rule.name == "mmap" || rule.name == "mprotect") {
        ASSERT_EQ(rule.conditions.size(), 1u);
        EXPECT_EQ(rule.conditions[0].mask, static_cast<uint64_t>(PROT_EXEC));
        EXPECT_EQ(rule.conditions[0].value, 0u);
      }
    }
    // --seccomp log's handler writes its line with write(2), in whichever thread trapped.
    EXPECT_TRUE(writes) << "role " << spec.name << " cannot write its violation log";
  }
}

TEST(Roles, CountsDistinctSystemCalls) {
  RoleSpec spec{Role::Vcpu, "t", "", {{"ioctl", {{1, ~0ull, 1, "a"}}}, {"ioctl", {{1, ~0ull, 2, "b"}}}, {"read", {}}}};
  EXPECT_EQ(spec.syscall_count(), 2u);
}

}  // namespace
}  // namespace ppc::vmm
