#pragma once
// Which processes are in a network namespace. A namespace the engine names that already has
// one is in use, most often by another container (a pod's infra or sandbox container, podman
// --network container:NAME), whose localhost and incoming traffic a container in a VM cannot
// share.
#include <sys/stat.h>
#include <sys/types.h>

#include <optional>
#include <string>

namespace ppc::shim {

struct NetnsProcess {
  pid_t pid = 0;
  std::string command;  // /proc/PID/comm
};

// The first process found whose network namespace is the one `netns` (an fstat of it) names,
// under `proc` (a procfs). Processes that end while it looks are passed over.
std::optional<NetnsProcess> process_in_netns(const struct stat& netns, const std::string& proc = "/proc");

}  // namespace ppc::shim
