#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/error.h"
#include "sandbox/precompiled_filters.h"

namespace ppc::vmm {

void load_precompiled_filter(std::span<const uint8_t> program) {
  if (program.empty() || program.size() % sizeof(sock_filter) != 0 ||
      program.size() / sizeof(sock_filter) > BPF_MAXINSNS) {
    throw Error("seccomp: a precompiled filter of " + std::to_string(program.size()) + " bytes is not a BPF program");
  }
  sock_fprog prog{};
  prog.len = static_cast<unsigned short>(program.size() / sizeof(sock_filter));
  // The kernel copies the program; it never writes through this pointer.
  prog.filter = reinterpret_cast<sock_filter*>(const_cast<uint8_t*>(program.data()));
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) throw_errno("seccomp: prctl PR_SET_NO_NEW_PRIVS");
  if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
    throw_errno("seccomp: loading the filter (is CONFIG_SECCOMP_FILTER on in this kernel?)");
  }
}

}  // namespace ppc::vmm
