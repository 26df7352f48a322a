#include "sandbox/violation_log.h"

#include <seccomp.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "base/error.h"

namespace ppc::vmm {
namespace {

constexpr int kTableSize = 1024;
constexpr int kSiCodeSeccomp = 1;  // SYS_SECCOMP in the kernel's siginfo.h; glibc does not export it  // above every ppc64 system call number
char g_names[kTableSize][32];

thread_local char t_label[32] = "unnamed";
thread_local char t_role[16] = "none";

// No system has this system call number: once filters are in place it always traps, and
// without a filter it only fails with ENOSYS.
constexpr long kTripwireSyscall = 4000;

// A line assembled on the stack: snprintf and friends are not async-signal-safe.
class Line {
 public:
  void add(std::string_view s) {
    for (char c : s)
      if (len_ < sizeof buf_) buf_[len_++] = c;
  }
  void dec(uint64_t v) {
    char digits[24];
    int n = 0;
    do digits[n++] = static_cast<char>('0' + v % 10), v /= 10;
    while (v);
    while (n) add(std::string_view(&digits[--n], 1));
  }
  void hex(uint64_t v) {
    add("0x");
    bool started = false;
    for (int shift = 60; shift >= 0; shift -= 4) {
      const unsigned nibble = (v >> shift) & 0xf;
      if (!nibble && !started && shift) continue;
      started = true;
      add(std::string_view(&"0123456789abcdef"[nibble], 1));
    }
  }
  void write_to_stderr() const {
    size_t done = 0;
    while (done < len_) {
      const ssize_t n = ::write(STDERR_FILENO, buf_ + done, len_ - done);
      if (n <= 0) return;
      done += static_cast<size_t>(n);
    }
  }

 private:
  char buf_[512];
  size_t len_ = 0;
};

void on_sigsys(int, siginfo_t* info, void* context) {
  if (info->si_code != kSiCodeSeccomp) return;  // not ours (someone sent SIGSYS by hand)
  const int nr = info->si_syscall;
  Line line;
  line.add("ppc-kvm-vmm: seccomp: thread '");
  line.add(t_label);
  line.add("' (role ");
  line.add(t_role);
  line.add(") made a forbidden system call: ");
  line.add(nr >= 0 && nr < kTableSize && g_names[nr][0] ? std::string_view(g_names[nr]) : std::string_view("unknown"));
  line.add(" (nr ");
  line.dec(static_cast<uint64_t>(nr));
#if defined(__powerpc64__)
  // The arguments: the first from orig_gpr3 (r3 already holds the call's error return),
  // the others from r4-r8.
  constexpr int kOrigR3 = 34;  // PT_ORIG_R3 in the saved pt_regs
  const auto* uc = static_cast<const ucontext_t*>(context);
  line.add(", args ");
  line.hex(uc->uc_mcontext.gp_regs[kOrigR3]);
  for (int r = 4; r <= 8; ++r) {
    line.add(" ");
    line.hex(uc->uc_mcontext.gp_regs[r]);
  }
#else
  (void)context;
#endif
  line.add("); the VMM dies of SIGSYS\n");
  line.write_to_stderr();
  // SIGSYS is blocked inside this handler, so the kernel answers a second trapped call by
  // restoring SIGSYS's default action and delivering it: the whole process dies of SIGSYS.
  ::syscall(kTripwireSyscall);
  ::_exit(128 + SIGSYS);
}

}  // namespace

void install_violation_logger() {
  for (int nr = 0; nr < kTableSize; ++nr) {
    char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
    if (!name) continue;
    std::strncpy(g_names[nr], name, sizeof g_names[nr] - 1);
    std::free(name);
  }
  struct sigaction sa {};
  sa.sa_sigaction = on_sigsys;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  if (::sigaction(SIGSYS, &sa, nullptr) < 0) throw_errno("sigaction SIGSYS");
}

void set_thread_identity(std::string_view label, std::string_view role) {
  label.copy(t_label, sizeof t_label - 1);
  t_label[std::min(label.size(), sizeof t_label - 1)] = 0;
  role.copy(t_role, sizeof t_role - 1);
  t_role[std::min(role.size(), sizeof t_role - 1)] = 0;
}

}  // namespace ppc::vmm
