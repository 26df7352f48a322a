#pragma once
// The state root (--root, mode 0700) holds one directory per container, named by its id
// and also 0700, with state.json and the VM's files. Every command on a container holds an
// exclusive flock on <dir>/lock while it reads or changes anything there.
#include <string>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"
#include "state/container_state.h"

namespace ppc::shim {

// "container does not exist": delete --force treats it as success.
class ContainerNotFound : public Error {
 public:
  ContainerNotFound() : Error("container does not exist") {}
};

// One container's directory, locked for as long as this object lives.
class LockedContainer {
 public:
  LockedContainer(std::string id, std::string dir, UniqueFd lock) : id_(std::move(id)), dir_(std::move(dir)), lock_(std::move(lock)) {}
  LockedContainer(LockedContainer&&) = default;
  LockedContainer& operator=(LockedContainer&&) = default;

  const std::string& id() const { return id_; }
  const std::string& dir() const { return dir_; }
  std::string file(const std::string& name) const { return dir_ + "/" + name; }
  // The VMM's vsock socket, alone in a directory of its own (<dir>/vm): the one host
  // directory the VMM's jail shows.
  std::string vsock_socket() const { return dir_ + "/" + kVmDir + "/vsock.sock"; }
  static constexpr const char* kVmDir = "vm";
  // Where the container's agent listens: its own VM's socket, or for a pod's later container
  // its sandbox's (a sibling directory under the same root).
  std::string agent_socket(const ContainerState& state) const;

  // Throws ContainerNotFound when state.json is missing (an aborted create).
  ContainerState read_state() const;
  void write_state(const ContainerState& state) const;
  // Removes the directory and everything in it; the lock is held until destruction.
  void remove() const;
  // Gives up the lock early (exec and run outlive their set-up).
  void unlock() { lock_.reset(); }

 private:
  std::string id_;
  std::string dir_;
  UniqueFd lock_;
};

// Removes a container's directory and everything in it, never reaching through a mount (a
// share's bind left behind makes it refuse, naming the mount); one already gone is not an error.
void remove_container_dir(const std::string& dir);

class StateStore {
 public:
  explicit StateStore(std::string root) : root_(std::move(root)) {}

  const std::string& root() const { return root_; }
  // Every command reaches a container's directory through here: an id that is not a valid
  // container id (a slash, "..") is refused (Error "invalid container ID format"), so no
  // command can leave --root.
  std::string dir_of(const std::string& id) const;

  // Makes the root (0700) if needed and the container's directory; EEXIST is
  // "container with id X already exists". The id must have been validated.
  LockedContainer create(const std::string& id) const;
  // Locks an existing container; throws ContainerNotFound.
  LockedContainer open(const std::string& id) const;
  // Ids with a directory under the root, sorted; none if the root does not exist.
  std::vector<std::string> ids() const;

 private:
  std::string root_;
};

}  // namespace ppc::shim
