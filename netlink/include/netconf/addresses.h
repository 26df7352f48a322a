#pragma once
// The IP addresses of one interface, in the namespace a Netlink was made in.
#include <vector>

#include "netconf/netlink.h"
#include "protocol/messages.h"

namespace ppc::netconf {

// The interface's IPv4 and IPv6 addresses but the link-local ones (fe80::/64, which each
// side derives from its own MAC), oldest first.
std::vector<protocol::NetAddress> list_addresses(Netlink& nl, int ifindex);

// Adds (or replaces) an address. IPv6 ones skip duplicate address detection, so that they
// are usable at once: the network they come from has checked them already. An IPv4 one gets
// its subnet's broadcast address, as `ip addr add ... brd +` and the engines' plugins give it.
void add_address(Netlink& nl, int ifindex, const protocol::NetAddress& address);

}  // namespace ppc::netconf
