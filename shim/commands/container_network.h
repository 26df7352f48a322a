#pragma once
// A container's network, as create and start connect it (net/ has the parts):
//  - the engine's namespace with its interfaces (podman): at create, a tap and a redirect
//    each way per interface, the VMM started in that namespace with a NIC per tap (the
//    interface's MAC and MTU), and once the agent has created the container, a Network
//    request with the interfaces' addresses and routes;
//  - the shim's own namespace (a network entry without a path): at create, one tap and a NIC
//    with a placeholder MAC; at start, whatever interfaces the engine put there meanwhile
//    (ctr run --cni) are connected to the taps and sent as a Network request ("late"). None
//    (ctr without --cni, podman --network=none): the NIC stays out of the container, which
//    has its loopback only.
// Everything made is on the undo stack, and so in the ledger, before it is made.
#include <optional>

#include "base/unique_fd.h"
#include "commands/undo_stack.h"
#include "net/network_plan.h"
#include "net/network_record.h"
#include "protocol/messages.h"
#include "state/state_store.h"

namespace ppc::shim {

struct ContainerNetwork {
  NetworkRecord record;
  UniqueFd netns;                            // the VMM is started in it
  std::optional<protocol::Network> request;  // for the agent after create; none when late or empty
  // The VMM's --net values, in NIC order.
  std::vector<std::string> vmm_nics() const;
};

// create: the namespace (the shim's own, if planned so), the taps and redirects; writes
// network.json. Throws Error naming the namespace and interface.
ContainerNetwork make_network(const NetworkPlan& plan, const LockedContainer& container, UndoStack& undo);

// The Network request to the container's agent. Must be called while this process has a
// single thread (it forks). Throws StatusError with the agent's reason.
void send_network(const LockedContainer& container, const protocol::Network& request);

// start: connects the interfaces that appeared in the shim's own namespace since create to
// the VM's NICs, and tells the agent. Nothing to do for any other network. What it makes goes
// into the ledger; a failure undoes it.
void connect_late_network(const LockedContainer& container);

// Its host side: the taps joined to the interfaces that appeared, each thing on `undo`; the
// request for the agent, or nullopt when there is nothing to tell it.
std::optional<protocol::Network> connect_late_interfaces(const LockedContainer& container, UndoStack& undo);

}  // namespace ppc::shim
