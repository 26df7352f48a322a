#pragma once
// Giving an interface its configuration, inside the namespace a Netlink was made in (the
// guest agent's side: the container's namespace in the guest).
#include "netconf/links.h"
#include "netconf/netlink.h"
#include "protocol/messages.h"

namespace ppc::netconf {

// Gives `link` the interface's name, MTU and addresses and routes, and brings it up: its
// name while it is down, IPv6 duplicate address detection off (its addresses were checked
// on the host's side, and a tentative address could not be used yet), then MTU and up in
// one change, the addresses, the routes without a gateway and then those through one (a
// gateway must be reachable when its route is added). Throws Error naming the interface and
// the address or route that failed.
void configure_interface(Netlink& nl, const Link& link, const protocol::NetInterface& config);

}  // namespace ppc::netconf
