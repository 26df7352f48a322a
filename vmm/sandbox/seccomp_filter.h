#pragma once
// One role's allowlist compiled into a seccomp BPF program with libseccomp, and loaded into
// the calling thread only (seccomp filters are per thread; threads created later inherit it).
#include <cstdint>
#include <vector>

#include "sandbox/sandbox_config.h"
#include "sandbox/syscall_roles.h"

namespace ppc::vmm {

class SeccompFilter {
 public:
  // Everything outside spec's rules gets mode's action (Kill: kill the process; Log: trap
  // into the violation logger). Throws Error naming a rule libseccomp refused.
  SeccompFilter(const RoleSpec& spec, SeccompMode mode);
  ~SeccompFilter();
  SeccompFilter(const SeccompFilter&) = delete;
  SeccompFilter& operator=(const SeccompFilter&) = delete;

  // Installs the program in the calling thread; from here on it cannot be removed.
  void load();
  // The BPF program as the kernel would get it (for tests and inspection).
  std::vector<uint8_t> export_bpf() const;

 private:
  void* ctx_;  // scmp_filter_ctx, kept out of this header
};

}  // namespace ppc::vmm
