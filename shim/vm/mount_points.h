#pragma once
// With root.readonly the container's root reaches the guest as a read-only bind, where the
// agent can make no mount point. The shim makes the missing ones in the bundle's root first,
// as runc does before it makes a root read-only: a directory, or an empty file for a bind of
// a file. A destination below an earlier mount's is left to the guest (it lies in that
// mount). Each path is walked one component at a time without following symbolic links, so a
// link in the image cannot lead a mkdir out of the root; a destination through a link is left
// to the agent (which fails naming it if it needs one). A missing process.cwd is made the same
// way (runc and crun make it too).
#include <string>

#include "oci/config.h"
#include "vm/share_plan.h"

namespace ppc::shim {

// Does nothing unless config.root.readonly. Throws Error naming mounts[i] or process.cwd.
void make_read_only_root_mount_points(const oci::Config& config, const SharePlan& share);

}  // namespace ppc::shim
