#include "sandbox/privileges.h"

#include <grp.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "base/error.h"

namespace ppc::vmm {
namespace {

struct CapFree {
  void operator()(void* p) const { cap_free(p); }
};
using CapState = std::unique_ptr<std::remove_pointer_t<cap_t>, CapFree>;

CapState current_caps() {
  CapState caps(cap_get_proc());
  if (!caps) throw_errno("cap_get_proc");
  return caps;
}

bool has_effective(const CapState& caps, cap_value_t cap) {
  cap_flag_value_t value = CAP_CLEAR;
  return cap_get_flag(caps.get(), cap, CAP_EFFECTIVE, &value) == 0 && value == CAP_SET;
}

bool caps_empty(const CapState& caps) {
  CapState empty(cap_init());
  if (!empty) throw_errno("cap_init");
  return cap_compare(caps.get(), empty.get()) == 0;
}

int bounding_set_size() {
  int count = 0;
  for (cap_value_t cap = 0; cap < static_cast<cap_value_t>(cap_max_bits()); ++cap)
    if (cap_get_bound(cap) == 1) ++count;
  return count;
}

}  // namespace

void drop_privileges(const PrivilegeTarget& target) {
  const CapState before = current_caps();
  // The bounding set limits what any future execve could grant; emptying it needs CAP_SETPCAP,
  // so it goes first. Without that capability (an unprivileged start) there is nothing to drop
  // that no_new_privs does not already keep out of reach.
  if (has_effective(before, CAP_SETPCAP)) {
    for (cap_value_t cap = 0; cap < static_cast<cap_value_t>(cap_max_bits()); ++cap)
      if (cap_drop_bound(cap) < 0 && errno != EINVAL) throw_errno("dropping capability " + std::to_string(cap) + " from the bounding set");
  }
  if (CAP_AMBIENT_SUPPORTED() && cap_reset_ambient() < 0) throw_errno("clearing the ambient capabilities");

  if (target.uid || target.gid) {
    // Supplementary groups (root's, typically) would survive a plain gid change.
    if (::setgroups(0, nullptr) < 0) throw_errno("setgroups");
  }
  if (target.gid && ::setresgid(*target.gid, *target.gid, *target.gid) < 0)
    throw_errno("setresgid " + std::to_string(*target.gid));
  if (target.uid && ::setresuid(*target.uid, *target.uid, *target.uid) < 0)
    throw_errno("setresuid " + std::to_string(*target.uid));

  // Effective, permitted and inheritable: all empty.
  CapState none(cap_init());
  if (!none) throw_errno("cap_init");
  if (cap_set_proc(none.get()) < 0) throw_errno("cap_set_proc (dropping every capability)");
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) throw_errno("prctl PR_SET_NO_NEW_PRIVS");
  // Not dumpable: no core file with guest memory in it, no ptrace or /proc/<pid>/mem from the
  // same uid.
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) throw_errno("prctl PR_SET_DUMPABLE");

  if (!caps_empty(current_caps())) throw Error("capabilities survived the privilege drop");
  if (has_effective(before, CAP_SETPCAP) && bounding_set_size() != 0) throw Error("the capability bounding set is not empty");
}

std::string privilege_summary() {
  const bool none = caps_empty(current_caps());
  return std::string("capabilities ") + (none ? "none" : "SOME LEFT") + ", bounding set " +
         std::to_string(bounding_set_size()) + ", no_new_privs " + std::to_string(::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)) +
         ", uid " + std::to_string(::getuid()) + ", gid " + std::to_string(::getgid());
}

}  // namespace ppc::vmm
