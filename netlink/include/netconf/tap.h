#pragma once
// Tap devices, made in the calling thread's network namespace (run it through netns.h).
#include <string>

namespace ppc::netconf {

// A persistent tap (IFF_TAP, IFF_NO_PI, IFF_VNET_HDR): it outlives this call, down, until
// someone deletes it (delete_link) or its namespace ends; the VMM opens it later by name.
// Throws Error naming it when a device of that name exists already.
void create_persistent_tap(const std::string& name);

}  // namespace ppc::netconf
