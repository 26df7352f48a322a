#pragma once
// Starting a container process: fork a child that enters (or creates) the container's
// namespaces, sets up its root (the first process only) and stdio, reports Ready, and execs
// when told to. The agent keeps its ends of the child's stdio.
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "init/child_reaper.h"
#include "oci/config.h"

namespace ppc::agent {

// Where a container's namespace comes from: the agent's own (the config does not ask for
// one), a new one, or the sandbox's (a pod's later container: the guest's first container's).
// The mount namespace is always new.
enum class NamespaceSource : uint8_t { kAgent, kNew, kSandbox };

struct Namespaces {
  NamespaceSource pid = NamespaceSource::kAgent, uts = NamespaceSource::kAgent, ipc = NamespaceSource::kAgent,
                  net = NamespaceSource::kAgent;
};

struct LaunchRequest {
  oci::Process process;
  std::optional<oci::Seccomp> seccomp;
  // The container's first process: the config whose root, mounts and devices it sets up.
  const oci::Config* container = nullptr;
  std::string hostname;
  Namespaces namespaces;
  // The first process of the sandbox container, whose namespaces kSandbox joins.
  pid_t sandbox = 0;
  // Any later process: the pid of the first one, whose namespaces it joins.
  pid_t join = 0;
  // The container's cgroup.procs (guest_cgroup.h), which the process joins first; -1: none.
  // A container's first process then gets a cgroup namespace of its own, rooted there.
  int cgroup_procs = -1;
};

struct LaunchedProcess {
  pid_t pid = -1;
  UniqueFd channel;
  // The agent's ends of stdio: a pty master (terminal), or three pipes.
  UniqueFd terminal;
  UniqueFd stdin_fd, stdout_fd, stderr_fd;
  // A container's first process: its mounts from the share (setup_container_root).
  std::vector<UniqueFd> shared_mounts;
};

// Which namespaces config.json asks for. A namespace given by path names a host namespace
// that does not exist in the guest: with a sandbox (a pod's later container) it is the
// sandbox's, else it is replaced by a new one (see the log).
Namespaces namespaces_of(const oci::Config& config, bool has_sandbox);

// Forks and waits for Ready. Throws LaunchError with the child's own message.
LaunchedProcess launch(ChildReaper& reaper, const LaunchRequest& request);
// Lets a Ready child exec; returns once it has. Throws LaunchError when the exec failed.
void release(LaunchedProcess& process);

}  // namespace ppc::agent
