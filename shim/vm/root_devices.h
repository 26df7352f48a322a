#pragma once
// With root.readonly and no mount at /dev, the container's /dev is the read-only root's own
// directory, where the agent can make nothing. runc makes the default devices, config.json's
// linux.devices and the /dev links in the root before it turns read-only, so they stay in the
// container's root on the host. The shim makes the same there first; the agent then binds
// the guest's own node over each (the share is nodev). Paths are walked one component at a
// time without following links: a link in the image on the way (an absolute /dev link, say)
// is refused, naming it, rather than followed by the shim or, later, by the agent.
#include "oci/config.h"
#include "vm/share_plan.h"

namespace ppc::shim {

// Does nothing unless config.root.readonly and no mounts[i] is at /dev. What exists already
// is kept (an image's own node, a later create of the same root), but for a ptmx node, which
// becomes runc's link. Throws Error naming the path, or linux.devices[i].
void make_read_only_root_devices(const oci::Config& config, const SharePlan& share);

}  // namespace ppc::shim
