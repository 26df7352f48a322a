#pragma once
// The steps that more than one command takes on an existing container: opening it, start
// (start, run) and destroy (delete, run). create's are in create_container.h.
#include <functional>
#include <string>

#include "state/state_store.h"

namespace ppc::shim {

// A container locked for one command, with its state as recorded and its status as it is.
struct OpenContainer {
  LockedContainer container;
  ContainerState state;
  Status status;
};

// What every command on one container does first: lock it, read its state, learn its status.
// Throws ContainerNotFound.
OpenContainer open_container(const StateStore& store, const std::string& id);

// The one place a command learns a container's current status.
ContainerState read_state_checked(const LockedContainer& container, Status& status);

// Tells the agent to start the created container's process (startContainer hooks and a late
// network (container_network.h) before, poststart after) and records "running". Throws StatusError with the agent's status when
// the process cannot be executed (126, 127).
void start_container(const LockedContainer& container, ContainerState& state);

// Undoes what the container's ledger says create made (the VMM, the cgroup, the share's
// mounts), newest first, then runs before_directory, then removes the directory (never
// through a mount: one left behind makes that fail, naming it). What cannot be undone is
// logged, and the rest is undone all the same.
void undo_container(const LockedContainer& container, const std::function<void()>& before_directory = {});

// Kills the VMM if it still runs, undoes the rest as the ledger says, runs the poststop hooks
// and removes the directory.
void destroy_container(const LockedContainer& container, const ContainerState& state);

}  // namespace ppc::shim
