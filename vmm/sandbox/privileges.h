#pragma once
// The privilege drop (libcap): once /dev/kvm, the VM and every file are open, the VMM keeps
// no capability in any set, cannot regain one (no_new_privs, an empty bounding set), cannot be
// ptraced or dumped by its own uid, and optionally becomes an unprivileged uid/gid.
#include <optional>
#include <string>
#include <sys/types.h>

namespace ppc::vmm {

struct PrivilegeTarget {
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
};

// In the main thread before any other thread exists (capabilities are per thread; new threads
// inherit the caller's). Throws Error when a step fails or a capability survives.
void drop_privileges(const PrivilegeTarget& target);

// "CapEff 0, CapPrm 0, CapBnd 0, NoNewPrivs 1": the calling thread's state, for the log.
std::string privilege_summary();

}  // namespace ppc::vmm
