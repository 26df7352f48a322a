#pragma once
// Traffic control that joins two interfaces into one wire (Kata's "tcfilter" model): every
// frame that arrives on one leaves through the other, in both directions, with no bridge and
// no addresses of our own. Each direction is an ingress qdisc on the receiving interface with
// a match-all u32 filter whose mirred action redirects the frame to the other's egress.
#include "netconf/links.h"
#include "netconf/netlink.h"

namespace ppc::netconf {

// Whether the interface has an ingress (or clsact) qdisc: someone else's filters, or ours.
bool has_ingress_qdisc(Netlink& nl, int ifindex);

// Everything arriving on `from` leaves through `to`. Throws Error naming `from` when it has
// an ingress qdisc already (nothing of anyone else's is replaced).
void redirect_ingress(Netlink& nl, const Link& from, const Link& to);

// Deletes the interface's ingress qdisc and with it its filters. An interface without one,
// or none of that name, is fine.
void remove_ingress(Netlink& nl, const std::string& interface);

}  // namespace ppc::netconf
