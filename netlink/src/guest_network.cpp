#include "netconf/guest_network.h"

#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <optional>

#include "base/error.h"
#include "netconf/interface_setup.h"
#include "netconf/links.h"
#include "netconf/netns.h"

namespace ppc::netconf {
namespace {

// Whether `netns` is the calling thread's own network namespace.
bool is_own_netns(int netns) {
  struct stat theirs {}, mine {};
  const std::string own = "/proc/self/task/" + std::to_string(::syscall(SYS_gettid)) + "/ns/net";
  if (::fstat(netns, &theirs) != 0) throw_errno("the container's network namespace");
  if (::stat(own.c_str(), &mine) != 0) throw_errno(own);
  return theirs.st_ino == mine.st_ino && theirs.st_dev == mine.st_dev;
}

std::optional<Link> nic_with_mac(Netlink& nl, const std::string& mac) {
  for (const Link& link : list_links(nl)) {
    if (link.carries_container_traffic() && link.mac == mac) return link;
  }
  return std::nullopt;
}

// A NIC whose MAC no interface of the request has: one booted before the host's interface
// existed, with a MAC of its own.
std::optional<Link> unclaimed_nic(Netlink& nl, const protocol::Network& network) {
  for (const Link& link : list_links(nl)) {
    if (!link.carries_container_traffic()) continue;
    const bool claimed = std::any_of(network.interfaces.begin(), network.interfaces.end(),
                                     [&](const protocol::NetInterface& i) { return i.mac == link.mac; });
    if (!claimed) return link;
  }
  return std::nullopt;
}

// Gives `nic` (in nl's namespace) the interface's MAC if it has another, then its configuration.
void configure_nic(Netlink& nl, Link nic, const protocol::NetInterface& want) {
  if (nic.mac != want.mac) {
    change_link(nl, nic, LinkChange{.mac = want.mac});
    nic.mac = want.mac;
  }
  configure_interface(nl, nic, want);
}

void configure_one(const protocol::Network& network, const protocol::NetInterface& want, int container_netns,
                   bool own) {
  if (!own) {
    // Configured already (a repeated request): it is in the container's namespace.
    const bool done = in_netns(container_netns, [&] {
      Netlink nl;
      std::optional<Link> nic = nic_with_mac(nl, want.mac);
      if (nic) configure_nic(nl, *nic, want);
      return nic.has_value();
    });
    if (done) return;
  }
  Netlink nl;
  std::optional<Link> nic = nic_with_mac(nl, want.mac);
  if (!nic) nic = unclaimed_nic(nl, network);
  if (!nic) {
    throw Error("interface " + want.name + ": no guest NIC has MAC " + want.mac + " and none is left without an interface");
  }
  if (own) return configure_nic(nl, *nic, want);
  // Moved under a name of its own: the container's namespace may hold the one it had.
  const std::string moved = "vnic" + std::to_string(nic->index);
  with_context("interface " + want.name,
               [&] { change_link(nl, *nic, LinkChange{.name = moved, .netns_fd = container_netns}); });
  run_in_netns(container_netns, [&] {
    Netlink inside;
    configure_nic(inside, link_named(inside, moved), want);
  });
}

}  // namespace

void configure_guest_network(const protocol::Network& network, int container_netns) {
  const bool own = is_own_netns(container_netns);
  for (const protocol::NetInterface& want : network.interfaces) configure_one(network, want, container_netns, own);
}

}  // namespace ppc::netconf
