#pragma once
// Which of this runtime's containers owns the VM a new container joins: a container whose
// network namespace (by path, as a pod's members and podman --network container:NAME name it)
// is the one a running container of ours was created in. Its VMM's process is in that namespace,
// so the namespace's identity (not a name) finds it. The new container is then a pod's later
// container, created in that VM; a namespace that only another runtime's process is in is
// refused (network_plan.h).
#include <optional>
#include <string>
#include <vector>

#include "net/network_plan.h"
#include "state/container_state.h"
#include "state/state_store.h"

namespace ppc::shim {

// The sandbox's id, or none (the namespace is the shim's own, or no container of ours is in
// it). A container that is itself a pod's later container is never a sandbox.
std::optional<std::string> find_pod_sandbox(const NetworkPlan& network, const StateStore& store);

// Whether `state`'s process is (still) in the network namespace (checked again once the
// sandbox is locked: it may have been deleted and its id used again meanwhile).
bool runs_in_namespace(const ContainerState& state, const NetworkPlan& network);

// The pod's later containers that still have state under the store (their state.json read
// without their lock: a member's create holds the sandbox's lock, its delete never does).
std::vector<std::string> pod_members(const StateStore& store, const std::string& sandbox_id);

// Whether the pod's VM is paused as a whole (its sandbox's state.json, read without its lock:
// pause writes the state before it stops the VM). Its agent does not answer then.
bool pod_vm_paused(const StateStore& store, const std::string& sandbox_id);

}  // namespace ppc::shim
