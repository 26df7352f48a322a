#include "sandbox/syscall_roles.h"

#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <termios.h>

#include <cerrno>

#include <algorithm>
#include <set>
#include <tuple>

#include "virtio/vhost_abi.h"

namespace ppc::vmm {
namespace {

// The kernel reads ioctl requests and socket domains as 32-bit ints: compare exactly those bits,
// so a value with junk in the upper half is judged as the kernel will use it.
constexpr uint64_t kLow32 = 0xffffffffull;

SyscallRule any(std::string name) { return {std::move(name), {}}; }

SyscallRule when(std::string name, unsigned index, uint64_t mask, uint64_t value, std::string text) {
  return {std::move(name), {{index, mask, value, std::move(text)}}};
}

// What glibc's pthread_create passes to clone: a thread sharing everything, never a process.
constexpr uint64_t kThreadCloneFlags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SYSVSEM | CLONE_SIGHAND |
                                       CLONE_THREAD | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;

// tcgetattr/tcsetattr as glibc issues them on powerpc: with the kernel's 44-byte termios. The
// TCGETS/TCSETS a program sees in <termios.h> are sized for glibc's own, larger struct and
// never reach the kernel.
constexpr uint64_t kKernelTcgets = 0x402c7413;  // _IOR('t', 19, struct termios (kernel))
constexpr uint64_t kKernelTcsets = 0x802c7414;  // _IOW('t', 20, struct termios (kernel))

// The tap's offloads, which follow what the guest acks (virtio-net). Request numbers differ by
// architecture; this is the one the ppc64 kernel decodes.
#if defined(__powerpc64__)
static_assert(TUNSETOFFLOAD == 0x800454d0, "TUNSETOFFLOAD as _IOW('T', 208, unsigned int) on ppc64");
#endif

// The kernel's vhost-net (--net ...,vhost=on), on the fd opened before the jail: what the
// driver's activation and reset need. Binding it to this process, its memory table and its
// eventfds happens before any filter, and a confined thread cannot redo them.
#define VHOST_REQUEST(request, name) when("ioctl", 1, kLow32, vhost_abi::request, "arg1 == " name)

#define KVM_REQUEST(request) when("ioctl", 1, kLow32, request, "arg1 == " #request)

// Memory for the C and C++ runtimes (malloc arenas, thread stacks being trimmed); never
// executable memory, so a compromised thread cannot map new code.
std::vector<SyscallRule> memory() {
  return {
      any("brk"),
      when("mmap", 2, PROT_EXEC, 0, "arg2 & PROT_EXEC == 0"),
      when("mprotect", 2, PROT_EXEC, 0, "arg2 & PROT_EXEC == 0"),
      any("munmap"),
      when("madvise", 2, kLow32, MADV_DONTNEED, "arg2 == MADV_DONTNEED"),
  };
}

// Stopping the machine from any thread (Machine::request_stop): pthread_kill() blocks signals
// around tgkill() and asks for the process id (and its own thread id when it kicks itself).
std::vector<SyscallRule> stop_request() {
  return {any("getpid"), any("gettid"), any("tgkill"), any("rt_sigprocmask")};
}

std::vector<SyscallRule> join(std::initializer_list<std::vector<SyscallRule>> parts) {
  // Every role: a thread stopped in an interruptible wait (pause is SIGSTOP, resume SIGCONT)
  // comes back through restart_syscall, which resumes a call the filter already allowed.
  std::vector<SyscallRule> out{any("restart_syscall")};
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

RoleSpec vcpu_role() {
  return {Role::Vcpu, "vcpu",
          "a vCPU thread: KVM_RUN and the guest's exits (hypercalls, RTAS, MMIO, console)",
          join({memory(), stop_request(),
                {
                    KVM_REQUEST(KVM_RUN),
                    KVM_REQUEST(KVM_GET_REGS),
                    KVM_REQUEST(KVM_GET_SREGS),  // --snapshot-to: each vCPU reads its own state
                    KVM_REQUEST(KVM_SET_REGS),
                    KVM_REQUEST(KVM_GET_ONE_REG),  // LPCR read-modify-write (H_SET_MODE)
                    KVM_REQUEST(KVM_SET_ONE_REG),
                    KVM_REQUEST(KVM_PPC_CONFIGURE_V3_MMU),  // H_REGISTER_PROC_TBL, on the VM fd
                    any("futex"),
                    any("clock_gettime"),
                    any("write"),     // console output, log lines, the stop eventfd
                    any("read"),      // console input
                    any("poll"),      // console input, never blocking
                    any("getrandom"), // H_RANDOM
                    any("rt_sigreturn"),  // the kick signal that ends KVM_RUN
                    any("exit"),
                }})};
}

RoleSpec device_role() {
  return {Role::Device, "device",
          "the device thread: virtqueues, vsock host sockets, disk images, irqfd/ioeventfd, vhost-user, taps, vhost-net",
          join({memory(), stop_request(),
                {
                    any("epoll_wait"),
                    any("epoll_ctl"),
                    any("read"),   // eventfds, timerfd
                    any("write"),  // eventfds (interrupts), log lines
                    any("close"),
                    any("futex"),
                    any("clock_gettime"),
                    // vsock: host connections in, guest connections out to <uds>_<port>
                    any("accept4"),
                    when("socket", 0, kLow32, AF_UNIX, "arg0 == AF_UNIX"),
                    any("connect"),
                    any("recv"),
                    any("send"),
                    any("shutdown"),
                    any("getsockopt"),
                    any("timerfd_settime"),
                    any("getrandom"),  // virtio-rng
                    any("pread64"),    // virtio-blk
                    any("pwrite64"),
                    any("fdatasync"),
                    // virtio-fs: vhost-user requests with their eventfds (SCM_RIGHTS) and the
                    // replies, to virtiofsd over the socket it was given before the jail
                    any("sendmsg"),
                    any("recvmsg"),
                    // virtio-net: one frame per call between the tap (opened before the jail)
                    // and guest RAM; the tap's offloads when the driver acks features
                    any("readv"),
                    any("writev"),
                    when("ioctl", 1, kLow32, TUNSETOFFLOAD, "arg1 == TUNSETOFFLOAD"),
                    // virtio-net with vhost-net: the rings and the tap, per activation
                    VHOST_REQUEST(kSetFeatures, "VHOST_SET_FEATURES"),
                    VHOST_REQUEST(kSetVringNum, "VHOST_SET_VRING_NUM"),
                    VHOST_REQUEST(kSetVringBase, "VHOST_SET_VRING_BASE"),
                    VHOST_REQUEST(kSetVringAddr, "VHOST_SET_VRING_ADDR"),
                    VHOST_REQUEST(kNetSetBackend, "VHOST_NET_SET_BACKEND"),
                    any("exit"),
                }})};
}

RoleSpec main_role() {
  return {Role::Main, "main",
          "the main thread once the guest runs: waits for the stop, joins, tears down",
          join({memory(), stop_request(),
                {
                    any("poll"),
                    any("read"),   // signalfd, stop eventfd
                    any("write"),  // log lines, eventfds, a snapshot's state
                    any("pwrite64"),  // a snapshot's RAM, its pages that hold data
                    any("renameat"),  // a snapshot's files put in place, by the directory's fd
                    any("unlinkat"),  // a snapshot not made: its partial files removed
                    KVM_REQUEST(KVM_GET_DEVICE_ATTR),  // a snapshot's interrupt sources, from the XICS
                    KVM_REQUEST(KVM_GET_ONE_REG),  // and the vCPUs' presentation state, read with them
                    any("close"),
                    any("epoll_ctl"),  // devices leave the event loop on teardown
                    any("futex"),
                    any("clock_gettime"),
                    any("unlink"),  // the vsock socket file at exit (fails harmlessly in the jail)
                    any("exit_group"),
                }})};
}

RoleSpec supervisor_role() {
  return {Role::Supervisor, "supervisor",
          "the jail's outer process: forwards signals to the VMM, mirrors its exit status",
          join({{
              any("rt_sigtimedwait"),
              any("wait4"),
              any("kill"),
              any("write"),
              any("newfstatat"),  // removing the vsock socket the jailed VMM left behind
              any("unlink"),
              any("rt_sigaction"),  // dying of the VMM's signal: default action, then raise()
              any("rt_sigprocmask"),
              any("getpid"),
              any("tgkill"),
              any("exit_group"),
              // Waiting for the companion's result (a condition variable with a timeout).
              any("futex"),
              any("clock_gettime"),
          }})};
}

RoleSpec control_role() {
  return {Role::Control, "control",
          "the container relay: the agent connection over the vsock socket, the container's stdio",
          join({memory(), stop_request(),
                {
                    // Its own threads (connection reader, stdio pumps), never a process:
                    // exactly glibc's pthread_create flags. clone3 hides its flags in
                    // memory; failing it makes glibc fall back to clone.
                    when("clone", 0, kLow32, kThreadCloneFlags, "arg0 == pthread flags"),
                    {"clone3", {}, ENOSYS},
                    any("set_robust_list"),
                    any("rseq"),
                    any("exit"),
                    any("futex"),
                    any("clock_gettime"),
                    any("clock_nanosleep"),  // connection retries, window-size polling
                    any("getrandom"),        // a restored guest's fresh entropy (protocol::Restored)
                    any("read"),
                    any("write"),  // stdio, the ready fd
                    any("close"),
                    any("dup"),
                    any("poll"),
                    any("eventfd2"),  // each stdio pump's wake-up (protocol/stdio_pump.h)
                    when("socket", 0, kLow32, AF_UNIX, "arg0 == AF_UNIX"),
                    any("connect"),
                    any("recv"),
                    any("send"),
                    any("sendto"),
                    any("shutdown"),
                    // The container's terminal (the host pty slave): raw mode, window size.
                    when("ioctl", 1, kLow32, kKernelTcgets, "arg1 == TCGETS"),
                    when("ioctl", 1, kLow32, kKernelTcsets, "arg1 == TCSETS"),
                    when("ioctl", 1, kLow32, TIOCGWINSZ, "arg1 == TIOCGWINSZ"),
                }})};
}

std::vector<RoleSpec> build_roles() {
  return {vcpu_role(), device_role(), main_role(), supervisor_role(), control_role()};
}

}  // namespace

size_t RoleSpec::syscall_count() const {
  std::set<std::string> names;
  for (const auto& rule : rules) names.insert(rule.name);
  return names.size();
}

const std::vector<RoleSpec>& all_roles() {
  static const std::vector<RoleSpec> roles = build_roles();
  return roles;
}

const RoleSpec& role_spec(Role role) {
  for (const auto& spec : all_roles())
    if (spec.role == role) return spec;
  return all_roles().front();  // unreachable: every Role has a spec (checked by a unit test)
}

std::optional<Role> parse_role(std::string_view name) {
  for (const auto& spec : all_roles())
    if (spec.name == name) return spec.role;
  return std::nullopt;
}

std::string_view role_name(Role role) { return role_spec(role).name; }

std::string render_allowlists() {
  std::string out =
      "# ppc-kvm-vmm seccomp allowlists (ppc64le), printed by `ppc-kvm-vmm --print-seccomp`.\n"
      "# One line per rule: <role> <system call>[ <argument condition>]. Anything else kills the VMM.\n";
  for (const auto& spec : all_roles()) {
    std::vector<std::pair<std::string, std::string>> lines;
    for (const auto& rule : spec.rules) {
      std::string conditions;
      for (const auto& c : rule.conditions) conditions += " " + c.text;
      if (rule.fail_with != 0) conditions += " -> errno " + std::to_string(rule.fail_with);
      lines.emplace_back(rule.name, conditions);
    }
    std::sort(lines.begin(), lines.end());
    out += "\n# " + spec.name + ": " + spec.summary + "\n";
    out += "# " + std::to_string(spec.syscall_count()) + " system calls, " + std::to_string(lines.size()) + " rules\n";
    for (const auto& [name, conditions] : lines) out += spec.name + " " + name + conditions + "\n";
  }
  return out;
}

}  // namespace ppc::vmm
