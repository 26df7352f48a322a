#pragma once
// The routes through one interface, in the namespace a Netlink was made in.
#include <vector>

#include "netconf/netlink.h"
#include "protocol/messages.h"

namespace ppc::netconf {

// The main table's unicast routes whose one next hop leaves through the interface, but those
// the kernel made itself (an address's own prefix, fe80::/64): they come back with the
// addresses. A multipath route is left out (its next hops could not all follow one NIC).
std::vector<protocol::NetRoute> list_routes(Netlink& nl, int ifindex);

// Adds (or replaces) a route in the main table, leaving through the interface. A gateway
// must be reachable already: add the routes without one first.
void add_route(Netlink& nl, int ifindex, const protocol::NetRoute& route);

}  // namespace ppc::netconf
