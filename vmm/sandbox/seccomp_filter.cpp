#include "sandbox/seccomp_filter.h"

#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "base/error.h"
#include "base/unique_fd.h"

namespace ppc::vmm {
namespace {

scmp_filter_ctx as_ctx(void* p) { return static_cast<scmp_filter_ctx>(p); }

[[noreturn]] void throw_seccomp(int rc, const std::string& what) {
  errno = -rc;
  throw_errno("seccomp: " + what);
}

}  // namespace

SeccompFilter::SeccompFilter(const RoleSpec& spec, SeccompMode mode) {
  const uint32_t deny = mode == SeccompMode::Log ? SCMP_ACT_TRAP : SCMP_ACT_KILL_PROCESS;
  ctx_ = seccomp_init(deny);
  if (!ctx_) throw Error("seccomp: cannot create the filter of role " + spec.name);
  try {
    // A binary tree of system call numbers: KVM_RUN's ioctl is checked on every guest exit.
    int rc = seccomp_attr_set(as_ctx(ctx_), SCMP_FLTATR_CTL_OPTIMIZE, 2);
    if (rc < 0) throw_seccomp(rc, "optimize attribute");
    // libseccomp turns every socket-family rule on ppc64 into two: the direct system call and
    // the old multiplexer socketcall(2), whose real arguments sit in memory where no filter can
    // check them (socket(AF_INET) would pass as "socket, AF_UNIX only"). glibc never uses
    // socketcall; a rule of its own for it, with an action other than the default (which
    // libseccomp refuses to repeat), overrides those copies. Without a SIGSYS handler (kill
    // mode) a trap kills the process just like the default does.
    const int socketcall = seccomp_syscall_resolve_name("socketcall");
    if (socketcall != __NR_SCMP_ERROR) {
      rc = seccomp_rule_add(as_ctx(ctx_), mode == SeccompMode::Log ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_TRAP, socketcall, 0);
      if (rc < 0) throw_seccomp(rc, "role " + spec.name + ": blocking socketcall");
    }
    for (const auto& rule : spec.rules) {
      const int nr = seccomp_syscall_resolve_name(rule.name.c_str());
      if (nr == __NR_SCMP_ERROR) throw Error("seccomp: role " + spec.name + ": unknown system call " + rule.name);
      std::vector<scmp_arg_cmp> cmps;
      for (const auto& c : rule.conditions) cmps.push_back({c.index, SCMP_CMP_MASKED_EQ, c.mask, c.value});
      const uint32_t action = rule.fail_with != 0 ? SCMP_ACT_ERRNO(static_cast<uint16_t>(rule.fail_with)) : SCMP_ACT_ALLOW;
      rc = seccomp_rule_add_array(as_ctx(ctx_), action, nr, static_cast<unsigned>(cmps.size()), cmps.data());
      if (rc < 0) throw_seccomp(rc, "role " + spec.name + ": rule for " + rule.name);
    }
  } catch (...) {
    seccomp_release(as_ctx(ctx_));
    throw;
  }
}

SeccompFilter::~SeccompFilter() { seccomp_release(as_ctx(ctx_)); }

void SeccompFilter::load() {
  // libseccomp also sets no_new_privs (SCMP_FLTATR_CTL_NNP defaults to on), which an
  // unprivileged thread needs before it may install a filter.
  const int rc = seccomp_load(as_ctx(ctx_));
  if (rc < 0) throw_seccomp(rc, "loading the filter (is CONFIG_SECCOMP_FILTER on in this kernel?)");
}

std::vector<uint8_t> SeccompFilter::export_bpf() const {
  UniqueFd fd(::memfd_create("seccomp-bpf", MFD_CLOEXEC));
  if (!fd.valid()) throw_errno("memfd_create");
  const int rc = seccomp_export_bpf(as_ctx(ctx_), fd.get());
  if (rc < 0) throw_seccomp(rc, "exporting the filter");
  const off_t size = ::lseek(fd.get(), 0, SEEK_END);
  if (size < 0) throw_errno("lseek");
  std::vector<uint8_t> bpf(static_cast<size_t>(size));
  if (size > 0 && ::pread(fd.get(), bpf.data(), bpf.size(), 0) != size) throw_errno("pread");
  return bpf;
}

}  // namespace ppc::vmm
