#pragma once
// The containers of this guest, by id. The first one created is the guest's sandbox: the
// guest ends when its first process does. Later ones (a pod's) name it in CreateContainer
// and join its namespaces where their config names one by path; they are forgotten by
// RemoveContainer once their own process has ended.
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "container/container.h"
#include "init/child_reaper.h"
#include "protocol/messages.h"

namespace ppc::agent {

class Containers {
 public:
  explicit Containers(ChildReaper& reaper) : reaper_(reaper) {}

  // Creates the container; returns its first process. Throws RequestFailed.
  std::shared_ptr<GuestProcess> create(const protocol::CreateContainer& request);
  // The container, kept alive for the caller even if it is removed meanwhile. Throws
  // RequestFailed (kNotFound).
  std::shared_ptr<Container> find(const std::string& id);
  // The sandbox's network is the pod's: the container a Network request configures.
  std::shared_ptr<Container> sandbox();
  bool is_sandbox(const std::string& id);
  void remove(const std::string& id);
  // A pod's later container whose host process is gone: its first process is killed if it
  // runs, and the container is removed (its id and its place free again). Nothing if it is
  // gone already, or its id is another container's by now.
  void abandon(const std::shared_ptr<Container>& container);

 private:
  // Checks what the request needs of the containers there are, and reserves its id.
  void reserve(const protocol::CreateContainer& request);

  ChildReaper& reaper_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Container>> containers_;
  std::set<std::string> creating_;  // ids reserved while their create runs (unlocked)
  std::set<std::string> removing_;  // ids whose remove runs (unlocked)
  std::string sandbox_id_;          // the first container's, once created
};

}  // namespace ppc::agent
