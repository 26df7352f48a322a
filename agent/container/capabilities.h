#pragma once
// process.capabilities with libcap: the bounding set is cut first (that needs CAP_SETPCAP,
// still held), then effective, permitted and inheritable are set, then ambient raised.
#include "oci/config.h"

namespace ppc::agent {

// Call before changing uid: drops what the bounding set does not list.
void apply_bounding_set(const oci::Capabilities& caps);
// Call after changing uid (with PR_SET_KEEPCAPS): sets the other four sets.
void apply_process_capabilities(const oci::Capabilities& caps);

}  // namespace ppc::agent
