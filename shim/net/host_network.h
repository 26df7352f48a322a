#pragma once
// The host's side of a container's network, inside the container's network namespace (on a
// thread that joined it, netconf/netns.h): each interface that carries the container's
// traffic (the engine's veth) gets a tap beside it, joined to it by a redirect each way
// (netconf/tc_redirect.h, Kata's "tcfilter"); the VMM serves the tap to the guest as a NIC
// with the interface's MAC and MTU, and the agent gives that NIC the interface's addresses
// and routes.
#include <string>
#include <vector>

#include "net/made_net.h"
#include "netconf/links.h"
#include "netconf/netlink.h"
#include "protocol/messages.h"

namespace ppc::shim {

// The interfaces that carry the container's traffic (not lo, not our taps), by index.
// Throws Error when there are more than one VM can have (protocol's kMaxNetInterfaces).
std::vector<netconf::Link> container_interfaces(netconf::Netlink& nl);

// What the agent gives the guest NIC: the interface's name, MAC, MTU, addresses and routes.
protocol::NetInterface describe_interface(netconf::Netlink& nl, const netconf::Link& interface);

// A persistent tap named `tap`, made now and connected later (connect_tap). Refuses a name in
// use (another VM's tap: a pod's containers share their sandbox's VM, never a namespace).
void make_tap(netconf::Netlink& nl, const NetnsId& netns, const std::string& tap, const RecordMade& record);

// Joins `interface` and the tap `tap` (made by make_tap): the tap gets the interface's MTU and
// comes up, then an ingress redirect each way. Refuses an interface or tap that has an
// ingress qdisc already (someone else's filters stay as they are).
void connect_tap(netconf::Netlink& nl, const NetnsId& netns, const netconf::Link& interface, const std::string& tap,
                 const RecordMade& record);

// The VMM's flag value for a NIC: "tap=NAME,mac=MAC[,mtu=N]" (no MTU: mtu 0).
std::string net_flag(const std::string& tap, const std::string& mac, unsigned mtu);

// A locally administered unicast MAC for a NIC booted before its interface exists, the same
// for the same container id and index.
std::string placeholder_mac(const std::string& container_id, size_t index);

}  // namespace ppc::shim
