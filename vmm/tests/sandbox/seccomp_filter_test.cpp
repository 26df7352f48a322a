#include "sandbox/precompiled_filters.h"
#include "sandbox/seccomp_filter.h"

#include <sched.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <csignal>
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/kvm.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <cstdlib>
#include <string>

#include "base/error.h"
#include "sandbox/bpf_sim.h"
#include "virtio/kernel_vhost_values.h"

namespace ppc::vmm {
namespace {

using testing::run_seccomp_bpf;

#if defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
constexpr uint32_t kArch = AUDIT_ARCH_PPC64LE;
#else
#error "the VMM's seccomp filters are built for ppc64le"
#endif

// The kernel's number for a system call, as libseccomp names them. seccomp_syscall_resolve_name
// answers the socket family with libseccomp's pseudo numbers (it multiplexes them with
// socketcall on ppc64); the filter must be judged on the numbers the kernel really sees.
int nr(const std::string& name) {
  for (int n = 0; n < 1024; ++n) {
    char* found = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, n);
    const bool match = found && name == found;
    std::free(found);
    if (match) return n;
  }
  ADD_FAILURE() << "no ppc64le system call is named " << name;
  return -1;
}

class Filters : public ::testing::Test {
 protected:
  // Under qemu-user libseccomp cannot ask the kernel which actions it supports; the rig's
  // kernels (6.1) support everything API level 3 uses, including SECCOMP_RET_KILL_PROCESS.
  static void SetUpTestSuite() { seccomp_api_set(3); }

  static uint32_t verdict(Role role, SeccompMode mode, const char* name, std::array<uint64_t, 6> args = {}) {
    return run_seccomp_bpf(SeccompFilter(role_spec(role), mode).export_bpf(), kArch, nr(name), args);
  }
};

TEST_F(Filters, EveryRoleBuildsInBothModes) {
  for (const auto& spec : all_roles())
    for (const SeccompMode mode : {SeccompMode::Kill, SeccompMode::Log}) {
      SCOPED_TRACE(spec.name);
      const auto bpf = SeccompFilter(spec, mode).export_bpf();
      EXPECT_GT(bpf.size(), 0u);
      EXPECT_EQ(bpf.size() % 8, 0u);
    }
}

TEST_F(Filters, EveryRuleIsAllowedByItsOwnFilter) {
  for (const auto& spec : all_roles()) {
    const auto bpf = SeccompFilter(spec, SeccompMode::Kill).export_bpf();
    for (const auto& rule : spec.rules) {
      SCOPED_TRACE(spec.name + " " + rule.name);
      std::array<uint64_t, 6> args{};
      for (const auto& c : rule.conditions) args[c.index] = c.value;
      const uint32_t want = rule.fail_with != 0 ? SECCOMP_RET_ERRNO | static_cast<uint32_t>(rule.fail_with) : SECCOMP_RET_ALLOW;
      EXPECT_EQ(run_seccomp_bpf(bpf, kArch, nr(rule.name), args), want);
    }
  }
}

// The container relay starts threads (its connection reader, stdio pumps) but never a
// process, and reaches nothing but Unix sockets and its terminal.
TEST_F(Filters, ControlMakesThreadsNotProcesses) {
  constexpr uint64_t kThread = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SYSVSEM | CLONE_SIGHAND | CLONE_THREAD |
                               CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
  EXPECT_EQ(verdict(Role::Control, SeccompMode::Kill, "clone", {kThread}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(verdict(Role::Control, SeccompMode::Kill, "clone", {SIGCHLD}), SECCOMP_RET_KILL_PROCESS);  // fork()
  EXPECT_EQ(verdict(Role::Control, SeccompMode::Kill, "clone", {kThread | CLONE_NEWPID}), SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(verdict(Role::Control, SeccompMode::Kill, "clone3"), SECCOMP_RET_ERRNO | ENOSYS);
  EXPECT_EQ(verdict(Role::Control, SeccompMode::Kill, "socket", {AF_UNIX, SOCK_STREAM}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(verdict(Role::Control, SeccompMode::Kill, "socket", {AF_INET, SOCK_STREAM}), SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(verdict(Role::Control, SeccompMode::Kill, "ioctl", {0, TIOCGWINSZ}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(verdict(Role::Control, SeccompMode::Kill, "ioctl", {0, TIOCSTI}), SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(verdict(Role::Control, SeccompMode::Kill, "ioctl", {5, KVM_RUN}), SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(verdict(Role::Control, SeccompMode::Kill, "execve"), SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(verdict(Role::Control, SeccompMode::Kill, "openat"), SECCOMP_RET_KILL_PROCESS);
}

TEST_F(Filters, VcpuRunsTheGuestButCannotBuildVms) {
  EXPECT_EQ(verdict(Role::Vcpu, SeccompMode::Kill, "ioctl", {5, KVM_RUN}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(verdict(Role::Vcpu, SeccompMode::Kill, "ioctl", {5, KVM_SET_ONE_REG}), SECCOMP_RET_ALLOW);
  // The kernel reads the request as 32 bits; so does the filter.
  EXPECT_EQ(verdict(Role::Vcpu, SeccompMode::Kill, "ioctl", {5, KVM_RUN | (1ull << 40)}), SECCOMP_RET_ALLOW);
  for (const uint64_t request : {uint64_t{KVM_CREATE_VM}, uint64_t{KVM_CREATE_VCPU}, uint64_t{KVM_SET_USER_MEMORY_REGION},
                                 uint64_t{KVM_SET_SREGS}, uint64_t{KVM_IRQFD}, uint64_t{0x5401} /* TCGETS */})
    EXPECT_EQ(verdict(Role::Vcpu, SeccompMode::Kill, "ioctl", {5, request}), SECCOMP_RET_KILL_PROCESS) << request;
  EXPECT_EQ(verdict(Role::Vcpu, SeccompMode::Kill, "execve"), SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(verdict(Role::Vcpu, SeccompMode::Kill, "openat"), SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(verdict(Role::Vcpu, SeccompMode::Kill, "socket", {AF_UNIX}), SECCOMP_RET_KILL_PROCESS);
}

TEST_F(Filters, DeviceThreadSetsTapOffloadsAndNothingElseByIoctlAndHasOnlyUnixSockets) {
  EXPECT_EQ(verdict(Role::Device, SeccompMode::Kill, "ioctl", {5, TUNSETOFFLOAD}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(verdict(Role::Device, SeccompMode::Kill, "ioctl", {5, 0x800454d0}), SECCOMP_RET_ALLOW) << "ppc64's number";
  for (const uint64_t request : {uint64_t{KVM_RUN}, uint64_t{TUNSETIFF}, uint64_t{TUNSETVNETHDRSZ}, uint64_t{TUNSETPERSIST},
                                 uint64_t{TUNSETQUEUE}, uint64_t{0x400454d0} /* x86's TUNSETOFFLOAD */})
    EXPECT_EQ(verdict(Role::Device, SeccompMode::Kill, "ioctl", {5, request}), SECCOMP_RET_KILL_PROCESS) << request;
  EXPECT_EQ(verdict(Role::Device, SeccompMode::Kill, "readv"), SECCOMP_RET_ALLOW);
  EXPECT_EQ(verdict(Role::Device, SeccompMode::Kill, "writev"), SECCOMP_RET_ALLOW);
  EXPECT_EQ(verdict(Role::Device, SeccompMode::Kill, "socket", {AF_UNIX, SOCK_STREAM}), SECCOMP_RET_ALLOW);
  EXPECT_EQ(verdict(Role::Device, SeccompMode::Kill, "socket", {AF_INET, SOCK_STREAM}), SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(verdict(Role::Device, SeccompMode::Kill, "socket", {AF_INET6, SOCK_STREAM}), SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(verdict(Role::Device, SeccompMode::Kill, "socket", {AF_VSOCK, SOCK_STREAM}), SECCOMP_RET_KILL_PROCESS);
}

TEST_F(Filters, DeviceThreadRunsVhostNetQueuesButCannotRebindIt) {
  for (const uint64_t request : {kernel_vhost_set_features, kernel_vhost_set_vring_num, kernel_vhost_set_vring_base,
                                 kernel_vhost_set_vring_addr, kernel_vhost_net_set_backend})
    EXPECT_EQ(verdict(Role::Device, SeccompMode::Kill, "ioctl", {5, request}), SECCOMP_RET_ALLOW) << request;
  // The owner, the memory it reads and the eventfds are set before the filters, for good.
  for (const uint64_t request : {kernel_vhost_set_owner, kernel_vhost_set_mem_table, kernel_vhost_set_vring_kick,
                                 kernel_vhost_set_vring_call, kernel_vhost_get_features})
    EXPECT_EQ(verdict(Role::Device, SeccompMode::Kill, "ioctl", {5, request}), SECCOMP_RET_KILL_PROCESS) << request;
  for (const Role role : {Role::Vcpu, Role::Main, Role::Control})
    EXPECT_EQ(verdict(role, SeccompMode::Kill, "ioctl", {5, kernel_vhost_net_set_backend}), SECCOMP_RET_KILL_PROCESS);
}

TEST_F(Filters, SocketcallCannotSmuggleSocketCalls) {
  // socketcall(SYS_SOCKET, {AF_INET, ...}): the real arguments are out of the filter's sight.
  constexpr uint64_t kSysSocket = 1, kSysAccept4 = 18;
  for (const auto& spec : all_roles())
    for (const SeccompMode mode : {SeccompMode::Kill, SeccompMode::Log}) {
      SCOPED_TRACE(spec.name);
      const auto bpf = SeccompFilter(spec, mode).export_bpf();
      for (const uint64_t call : {kSysSocket, kSysAccept4}) {
        const uint32_t v = run_seccomp_bpf(bpf, kArch, nr("socketcall"), {call, 0});
        EXPECT_TRUE(v == SECCOMP_RET_TRAP || v == SECCOMP_RET_KILL_PROCESS) << v;
      }
    }
}

TEST_F(Filters, NoRoleMapsExecutableMemory) {
  for (const auto& spec : all_roles()) {
    SCOPED_TRACE(spec.name);
    const auto bpf = SeccompFilter(spec, SeccompMode::Kill).export_bpf();
    for (const char* call : {"mmap", "mprotect"}) {
      const uint32_t rw = run_seccomp_bpf(bpf, kArch, nr(call), {0, 4096, PROT_READ | PROT_WRITE});
      const uint32_t rx = run_seccomp_bpf(bpf, kArch, nr(call), {0, 4096, PROT_READ | PROT_EXEC});
      EXPECT_EQ(rx, SECCOMP_RET_KILL_PROCESS) << call;
      if (rw == SECCOMP_RET_ALLOW) continue;  // roles that never allocate refuse both
      EXPECT_EQ(rw, SECCOMP_RET_KILL_PROCESS) << call;
    }
  }
}

TEST_F(Filters, LogModeTrapsInsteadOfKilling) {
  EXPECT_EQ(verdict(Role::Vcpu, SeccompMode::Log, "execve"), SECCOMP_RET_TRAP);
  EXPECT_EQ(verdict(Role::Device, SeccompMode::Log, "socket", {AF_INET}), SECCOMP_RET_TRAP);
  EXPECT_EQ(verdict(Role::Vcpu, SeccompMode::Log, "ioctl", {5, KVM_RUN}), SECCOMP_RET_ALLOW);
  // The log handler's own way out: a number no system has, trapped while SIGSYS is blocked.
  EXPECT_EQ(run_seccomp_bpf(SeccompFilter(role_spec(Role::Main), SeccompMode::Log).export_bpf(), kArch, 4000),
            SECCOMP_RET_TRAP);
}

TEST_F(Filters, AnotherArchitectureIsNeverAllowed) {
  const auto bpf = SeccompFilter(role_spec(Role::Vcpu), SeccompMode::Kill).export_bpf();
  EXPECT_NE(run_seccomp_bpf(bpf, AUDIT_ARCH_X86_64, nr("ioctl"), {5, KVM_RUN}), SECCOMP_RET_ALLOW);
  EXPECT_NE(run_seccomp_bpf(bpf, AUDIT_ARCH_PPC64, nr("ioctl"), {5, KVM_RUN}), SECCOMP_RET_ALLOW);
}

}  // namespace
}  // namespace ppc::vmm

namespace ppc::vmm {
namespace {

// The programs threads install (compiled at build time) are exactly what libseccomp makes
// of today's rules in kill mode.
TEST_F(Filters, PrecompiledProgramsMatchTheRules) {
  for (const RoleSpec& spec : all_roles()) {
    const auto fresh = SeccompFilter(spec, SeccompMode::Kill).export_bpf();
    const auto built = precompiled_filter(spec.role);
    EXPECT_EQ(std::vector<uint8_t>(built.begin(), built.end()), fresh) << spec.name;
  }
  EXPECT_THROW(load_precompiled_filter({}), Error);
}

}  // namespace
}  // namespace ppc::vmm
