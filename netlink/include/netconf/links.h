#pragma once
// Network interfaces (links) of the namespace a Netlink was made in.
#include <optional>
#include <string>
#include <vector>

#include "netconf/netlink.h"

namespace ppc::netconf {

struct Link {
  std::string name;
  int index = 0;
  std::string mac;    // "aa:bb:cc:dd:ee:ff" for an Ethernet device, else ""
  unsigned mtu = 0;
  std::string kind;   // "veth", "tun", "bridge"...; "" for a device without one (lo)
  unsigned flags = 0;  // IFF_UP, IFF_LOOPBACK...
  bool up() const;
  bool loopback() const;
  // A device with an Ethernet MAC that is not a tap or tun: one a container's traffic goes
  // through (veth, macvlan, ipvlan...), as opposed to lo, sit0 or our own taps.
  bool carries_container_traffic() const;
};

// Every link, by index.
std::vector<Link> list_links(Netlink& nl);
std::optional<Link> find_link(Netlink& nl, const std::string& name);
// Throws Error "interface NAME: not found" when there is none.
Link link_named(Netlink& nl, const std::string& name);

// One change of a link, each part optional; `what` is what the error says was attempted.
struct LinkChange {
  std::optional<unsigned> mtu;
  std::optional<std::string> mac;
  std::optional<std::string> name;
  std::optional<int> netns_fd;  // moved into that network namespace
  bool up = false;
};
void change_link(Netlink& nl, const Link& link, const LinkChange& change);

// Deletes a link; one that is gone already is fine.
void delete_link(Netlink& nl, const std::string& name);

}  // namespace ppc::netconf
