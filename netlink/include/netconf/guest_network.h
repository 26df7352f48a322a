#pragma once
// The guest's side of a container's network (the agent): its virtio-net NICs, in the agent's
// own network namespace at boot, each handed to the container's namespace and configured as
// the host interface it stands for.
#include "protocol/messages.h"

namespace ppc::netconf {

// For each interface of `network`, in the calling thread's namespace: the NIC with the
// interface's MAC, else the one NIC that matches no interface of `network` (booted before its
// interface existed: it takes the interface's MAC). That NIC moves into `container_netns`
// (unless that is the caller's own namespace) and gets the interface's name, MTU, addresses
// and routes there (configure_interface). An interface whose NIC is in the container's
// namespace already is configured again. Throws Error naming the interface.
void configure_guest_network(const protocol::Network& network, int container_netns);

}  // namespace ppc::netconf
