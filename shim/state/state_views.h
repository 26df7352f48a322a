#pragma once
// The two ways a container's state is shown: what `state` and `list --format json` print
// (runc's containerState: runtime-spec state plus rootfs, created and owner), and the
// runtime-spec state a hook reads on its stdin.
#include <string>

#include <nlohmann/json.hpp>

#include "state/container_state.h"

namespace ppc::shim {

// Keys in runc's order: ociVersion id pid status bundle rootfs created annotations owner.
// pid is 0 once stopped, as runc prints it; annotations are left out when empty.
nlohmann::ordered_json runc_state_json(const ContainerState& state, Status status, const std::string& owner);

// runtime-spec state.md: ociVersion id status pid bundle annotations.
nlohmann::ordered_json hook_state_json(const ContainerState& state, Status status);

// The user name of a uid from /etc/passwd, or "#uid" (runc's fallback). Read directly:
// the shim is linked statically, where NSS lookups do not work.
std::string owner_name(uid_t uid, const std::string& passwd_file = "/etc/passwd");

}  // namespace ppc::shim
