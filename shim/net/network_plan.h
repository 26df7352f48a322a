#pragma once
// Which network namespace a container's VM is connected to, decided from config.json before
// anything is made: the one the engine made and names by path (podman, CRI), or a new one the
// shim makes (a network entry without a path: ctr, podman --network=none), into which the
// engine may put interfaces after create (ctr run --cni runs CNI on /proc/<pid>/ns/net).
#include <cstddef>
#include <string>

#include "oci/config.h"

namespace ppc::shim {

struct NetworkPlan {
  // The engine's namespace, at `path`; else one of the shim's own, under the state directory.
  bool own = false;
  std::string path;  // the engine's; "" when own
};

// Refuses, naming the field, a config without a network namespace (the host's network, which
// a guest cannot share) and a user namespace with a network namespace without a path (its
// engine configures that network after create, from the user namespace).
NetworkPlan plan_network(const oci::Config& config);

// The engine's namespace must be one, not the shim's own (the host's network: its interfaces
// would be redirected into the guest), and no process may be in it yet (another runtime's
// container's, netns_processes.h; a pod of ours is found before: commands/pod_sandbox.h).
// Throws Error naming the path.
void check_joinable(const NetworkPlan& plan);

}  // namespace ppc::shim
