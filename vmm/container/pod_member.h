#pragma once
// ppc-kvm-vmm --join-vm SOCKET: the host process of a pod's later container. It runs no
// machine: the container is created in the pod's VM, which runs already, through that VM's
// agent socket, and this process stands for it as a VMM stands for its own container (its
// stdio are the container's, it exits with the container's status). It is confined as a VMM
// is: the jail (only the socket's directory reachable), privileges dropped, the relay in its
// seccomp role.
#include <string>

#include "container/container_relay.h"
#include "sandbox/sandbox.h"

namespace ppc::vmm {

// Returns the container's status, or exit_code::kContainerLost when it can never be known.
// SIGTERM, SIGINT and SIGHUP go to the container's main process.
int run_pod_member(const std::string& vm_socket, Sandbox& sandbox, ContainerRelay& relay);

}  // namespace ppc::vmm
