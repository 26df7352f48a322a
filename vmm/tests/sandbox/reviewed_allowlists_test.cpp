// The programs the VMM's threads install (precompiled at build time) judged against the
// reviewed statement of intent, vmm/sandbox/allowlists.txt, read here as text: every rule it
// states is allowed (with its argument condition met) and refused (condition broken), and
// every other ppc64le system call kills. Nothing here comes from the rule table the programs
// were compiled from, so a rule that slips into the code without review fails.
#include <asm/ioctl.h>
#include <sched.h>
#include <linux/audit.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <termios.h>

#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "sandbox/bpf_sim.h"
#include "sandbox/precompiled_filters.h"
#include "virtio/kernel_vhost_values.h"

namespace ppc::vmm {
namespace {

using testing::run_seccomp_bpf;
using Args = std::array<uint64_t, 6>;

// One line of the file: "<role> <system call>[ <condition>]".
struct ReviewedRule {
  std::string role, syscall, condition;
};

std::vector<ReviewedRule> read_reviewed_rules() {
  std::ifstream in(PPC_KVM_SHIM_ALLOWLISTS);
  std::vector<ReviewedRule> rules;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    ReviewedRule rule;
    words >> rule.role >> rule.syscall;
    std::getline(words >> std::ws, rule.condition);
    rules.push_back(rule);
  }
  return rules;
}

// The values the file names in its conditions, from the system headers.
const std::map<std::string, uint64_t>& named_values() {
  static const std::map<std::string, uint64_t> values{
      {"KVM_GET_DEVICE_ATTR", KVM_GET_DEVICE_ATTR},
      {"KVM_GET_ONE_REG", KVM_GET_ONE_REG},
      {"KVM_GET_REGS", KVM_GET_REGS},
      {"KVM_GET_SREGS", KVM_GET_SREGS},
      {"KVM_PPC_CONFIGURE_V3_MMU", KVM_PPC_CONFIGURE_V3_MMU},
      {"KVM_RUN", KVM_RUN},
      {"KVM_SET_ONE_REG", KVM_SET_ONE_REG},
      {"KVM_SET_REGS", KVM_SET_REGS},
      // As tcgetattr/tcsetattr issue them on powerpc: sized for the kernel's 44-byte termios
      // (<termios.h>'s TCGETS is sized for glibc's larger struct and never reaches the kernel).
      {"TCGETS", _IOC(_IOC_READ, 't', 19, 44)},
      {"TCSETS", _IOC(_IOC_WRITE, 't', 20, 44)},
      {"TIOCGWINSZ", TIOCGWINSZ},
      {"TUNSETOFFLOAD", TUNSETOFFLOAD},
      // From <linux/vhost.h>, compiled as C (it does not compile as C++).
      {"VHOST_NET_SET_BACKEND", kernel_vhost_net_set_backend},
      {"VHOST_SET_FEATURES", kernel_vhost_set_features},
      {"VHOST_SET_VRING_ADDR", kernel_vhost_set_vring_addr},
      {"VHOST_SET_VRING_BASE", kernel_vhost_set_vring_base},
      {"VHOST_SET_VRING_NUM", kernel_vhost_set_vring_num},
      {"MADV_DONTNEED", MADV_DONTNEED},
      {"AF_UNIX", AF_UNIX},
      {"PROT_EXEC", PROT_EXEC},
      // What glibc's pthread_create passes to clone.
      {"pthread flags", CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SYSVSEM | CLONE_SIGHAND | CLONE_THREAD |
                            CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID},
  };
  return values;
}

// A condition as the file writes it: "argN == NAME", "argN & NAME == 0" or "-> errno N".
struct Condition {
  int arg = -1;           // -1: none
  bool mask = false;      // "& NAME == 0" rather than "== NAME"
  uint64_t value = 0;
  uint32_t verdict = SECCOMP_RET_ALLOW;
};

Condition parse_condition(const std::string& text) {
  Condition c;
  if (text.empty()) return c;
  if (text.rfind("-> errno ", 0) == 0) {
    c.verdict = SECCOMP_RET_ERRNO | static_cast<uint32_t>(std::stoul(text.substr(9)));
    return c;
  }
  EXPECT_EQ(text.rfind("arg", 0), 0u) << "a condition the test cannot read: " << text;
  c.arg = text[3] - '0';
  std::string name = text.substr(5);
  if (name.rfind("& ", 0) == 0) {
    c.mask = true;
    name = name.substr(2, name.size() - 2 - std::string(" == 0").size());
  } else {
    name = name.substr(std::string("== ").size());
  }
  const auto found = named_values().find(name);
  EXPECT_NE(found, named_values().end()) << "no value for '" << name << "' in " << text;
  if (found != named_values().end()) c.value = found->second;
  return c;
}

// Arguments meeting `c`, or breaking it.
Args meeting(const Condition& c) {
  Args args{};
  if (c.arg >= 0 && !c.mask) args[c.arg] = c.value;
  return args;
}
Args breaking(const Condition& c) {
  Args args{};
  args[c.arg] = c.mask ? c.value : 0xdead;  // no named value is 0xdead
  return args;
}

int number_of(const std::string& name) {
  for (int nr = 0; nr < 1024; ++nr) {
    char* found = seccomp_syscall_resolve_num_arch(SCMP_ARCH_PPC64LE, nr);
    const bool match = found != nullptr && name == found;
    std::free(found);
    if (match) return nr;
  }
  return -1;
}

std::vector<uint8_t> program_of(const std::string& role_name) {
  const std::optional<Role> role = parse_role(role_name);
  EXPECT_TRUE(role.has_value()) << "the file names an unknown role " << role_name;
  if (!role) return {};
  const auto program = precompiled_filter(*role);
  return {program.begin(), program.end()};
}

TEST(ReviewedAllowlists, EveryStatedRuleIsWhatTheInstalledProgramDoes) {
  const std::vector<ReviewedRule> rules = read_reviewed_rules();
  ASSERT_GT(rules.size(), 100u) << "cannot read " << PPC_KVM_SHIM_ALLOWLISTS;
  // System calls with an unconditional rule in a role: nothing breaks them.
  std::set<std::pair<std::string, std::string>> unconditional;
  for (const ReviewedRule& r : rules)
    if (r.condition.empty()) unconditional.insert({r.role, r.syscall});
  for (const ReviewedRule& r : rules) {
    SCOPED_TRACE(r.role + " " + r.syscall + " " + r.condition);
    const int nr = number_of(r.syscall);
    ASSERT_GE(nr, 0) << "not a ppc64le system call";
    const std::vector<uint8_t> program = program_of(r.role);
    const Condition c = parse_condition(r.condition);
    EXPECT_EQ(run_seccomp_bpf(program, AUDIT_ARCH_PPC64LE, nr, meeting(c)), c.verdict);
    if (c.arg >= 0 && !unconditional.count({r.role, r.syscall}))
      EXPECT_EQ(run_seccomp_bpf(program, AUDIT_ARCH_PPC64LE, nr, breaking(c)), SECCOMP_RET_KILL_PROCESS);
  }
}

TEST(ReviewedAllowlists, EverySystemCallTheFileDoesNotStateKills) {
  std::map<std::string, std::set<std::string>> stated;
  for (const ReviewedRule& r : read_reviewed_rules()) stated[r.role].insert(r.syscall);
  ASSERT_EQ(stated.size(), 5u) << "the file states rules for " << stated.size() << " roles";
  for (const auto& [role, syscalls] : stated) {
    const std::vector<uint8_t> program = program_of(role);
    int judged = 0;
    for (int nr = 0; nr < 1024; ++nr) {
      char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_PPC64LE, nr);
      if (name == nullptr) continue;
      const std::string syscall = name;
      std::free(name);
      if (syscalls.count(syscall)) continue;
      ++judged;
      // socketcall traps instead (seccomp_filter.cpp says why): the SIGSYS ends the VMM as
      // well, after at most a line in its log (violation_log.cpp).
      const uint32_t kills = syscall == "socketcall" ? SECCOMP_RET_TRAP : SECCOMP_RET_KILL_PROCESS;
      EXPECT_EQ(run_seccomp_bpf(program, AUDIT_ARCH_PPC64LE, nr), kills) << role << " " << syscall;
    }
    EXPECT_GT(judged, 300) << role;
  }
}

}  // namespace
}  // namespace ppc::vmm
