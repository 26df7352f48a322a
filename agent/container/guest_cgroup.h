#pragma once
// A container's cgroup in the guest (cgroup v2, mounted at /sys/fs/cgroup by the agent's
// init): every process of the container joins it before it enters the container, so that
// the container can be frozen and thawed as a whole (pause and resume of one container of a
// pod) while the guest's other containers run on. Each container's first process also gets a
// cgroup namespace rooted there: the container sees its own cgroup as "/", as with crun.
#include <atomic>
#include <chrono>
#include <string>

#include "base/unique_fd.h"

namespace ppc::agent {

class GuestCgroup {
 public:
  // Makes a new cgroup below `parent` (one per container: numbered, since a container id may
  // be longer than a file name). Throws Error naming the directory.
  explicit GuestCgroup(const std::string& parent = "/sys/fs/cgroup");
  // Removes the directory; every process of the container has ended by then (a failure is
  // logged: an empty cgroup left behind costs the guest nothing else).
  ~GuestCgroup();
  GuestCgroup(const GuestCgroup&) = delete;
  GuestCgroup& operator=(const GuestCgroup&) = delete;

  const std::string& path() const { return path_; }
  // cgroup.procs, open for writing: a child writes "0" to it to join.
  int procs_fd() const { return procs_.get(); }
  // Writes cgroup.freeze and waits until cgroup.events says the cgroup is (un)frozen. Throws
  // Error when it is not within `timeout` (a process stuck in the kernel, e.g. on a dead file
  // share, cannot be frozen): a freeze that timed out is undone.
  void set_frozen(bool frozen, std::chrono::milliseconds timeout);
  bool frozen() const { return frozen_.load(); }

 private:
  std::string path_;
  UniqueFd procs_;
  std::atomic<bool> frozen_{false};  // read by any request's thread
};

// Joins the cgroup whose cgroup.procs `procs_fd` is (the calling process, and so all it forks
// from now on). Throws Error.
void join_cgroup(int procs_fd);

}  // namespace ppc::agent
