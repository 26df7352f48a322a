#include "container/capabilities.h"

#include <sys/capability.h>
#include <sys/prctl.h>

#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include "base/error.h"
#include "oci/capabilities.h"

namespace ppc::agent {
namespace {

std::vector<cap_value_t> numbers(const std::vector<std::string>& names, const char* set) {
  std::vector<cap_value_t> out;
  for (const std::string& name : names) {
    const std::optional<int> n = oci::capability_number(name);
    if (!n) throw Error(std::string("process.capabilities.") + set + ": unknown capability \"" + name + "\"");
    // A capability this kernel does not know cannot be held anyway: skip it, as runc does.
    if (*n > CAP_LAST_CAP) continue;
    out.push_back(static_cast<cap_value_t>(*n));
  }
  return out;
}

bool contains(const std::vector<cap_value_t>& set, cap_value_t value) {
  for (cap_value_t v : set) {
    if (v == value) return true;
  }
  return false;
}

}  // namespace

void apply_bounding_set(const oci::Capabilities& caps) {
  const std::vector<cap_value_t> keep = numbers(caps.bounding, "bounding");
  for (cap_value_t cap = 0; cap <= CAP_LAST_CAP; ++cap) {
    if (contains(keep, cap)) continue;
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) throw_errno("dropping capability " + std::to_string(cap) + " from the bounding set");
  }
}

void apply_process_capabilities(const oci::Capabilities& caps) {
  std::unique_ptr<std::remove_pointer_t<cap_t>, int (*)(void*)> state(cap_init(), cap_free);
  if (!state) throw_errno("cap_init");
  auto set = [&](const std::vector<std::string>& names, const char* field, cap_flag_t flag) {
    std::vector<cap_value_t> values = numbers(names, field);
    if (!values.empty() && cap_set_flag(state.get(), flag, static_cast<int>(values.size()), values.data(), CAP_SET) != 0) {
      throw_errno(std::string("process.capabilities.") + field);
    }
  };
  set(caps.effective, "effective", CAP_EFFECTIVE);
  set(caps.permitted, "permitted", CAP_PERMITTED);
  set(caps.inheritable, "inheritable", CAP_INHERITABLE);
  if (cap_set_proc(state.get()) != 0) throw_errno("setting process.capabilities (effective, permitted, inheritable)");
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) throw_errno("clearing the ambient set");
  for (cap_value_t cap : numbers(caps.ambient, "ambient")) {
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) == 0) continue;
    // crun skips an ambient capability the kernel refuses (EPERM: not both permitted and
    // inheritable, as in `crun spec`'s own config; EINVAL: unknown), runc only warns in its
    // log. Silently here: this runs in the container's process, whose stderr is the
    // container's, not a log.
    if (errno != EPERM && errno != EINVAL) {
      throw_errno("process.capabilities.ambient: raising capability " + std::to_string(cap));
    }
  }
}

}  // namespace ppc::agent
