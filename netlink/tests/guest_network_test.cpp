// The guest's side: NICs found by MAC (or the one left without an interface), moved into the
// container's namespace and configured there. Veth ends in a scratch namespace stand in for
// the guest's virtio-net NICs; their peers sit in a third namespace, up, so that they have a
// carrier as a NIC has.
#include "netconf/guest_network.h"

#include <gtest/gtest.h>

#include "netconf/addresses.h"
#include "netconf/links.h"
#include "scratch_netns.h"

namespace ppc::netconf {
namespace {

using protocol::IpFamily;
using protocol::NetInterface;
using protocol::Network;
using protocol::RouteScope;
using test::add_veth_pair;
using test::ScratchNetns;

// A guest (its NICs eth0 and eth1), the wire's far side, and a container namespace.
struct Guest {
  ScratchNetns guest, wire, container;
  std::string mac0, mac1;
  explicit Guest(int nics) {
    run_in_netns(guest.fd(), [&] {
      Netlink nl;
      for (int i = 0; i < nics; ++i) {
        const std::string nic = "eth" + std::to_string(i), peer = "peer" + std::to_string(i);
        add_veth_pair(nl, nic, peer);
        change_link(nl, link_named(nl, peer), LinkChange{.netns_fd = wire.fd()});
      }
      if (nics > 0) mac0 = link_named(nl, "eth0").mac;
      if (nics > 1) mac1 = link_named(nl, "eth1").mac;
    });
    run_in_netns(wire.fd(), [&] {
      Netlink nl;
      for (const Link& link : list_links(nl)) {
        if (link.carries_container_traffic()) change_link(nl, link, LinkChange{.up = true});
      }
    });
  }
  // The request, from the guest's own namespace, as the agent sends it.
  void configure(const Network& network, int container_netns) {
    run_in_netns(guest.fd(), [&] { configure_guest_network(network, container_netns); });
  }
  void configure(const Network& network) { configure(network, container.fd()); }
  std::vector<Link> links_in(int netns) {
    return in_netns(netns, [] {
      Netlink nl;
      return list_links(nl);
    });
  }
};

NetInterface interface(const std::string& name, const std::string& mac, const std::string& address) {
  NetInterface i;
  i.name = name;
  i.mac = mac;
  i.mtu = 1450;
  i.addresses = {{IpFamily::kIpv4, address, 24}};
  return i;
}

std::optional<Link> named(const std::vector<Link>& links, const std::string& name) {
  for (const Link& l : links) {
    if (l.name == name) return l;
  }
  return std::nullopt;
}

TEST(netconf_guest_network, NicsFoundByMacMoveIntoTheContainerUnderTheirInterfacesNames) {
  NETCONF_REQUIRE_ROOT();
  Guest g(2);
  // Crossed over: the NIC called eth1 in the guest becomes the container's eth0.
  const Network network{{interface("eth0", g.mac1, "10.1.0.2"), interface("eth1", g.mac0, "10.2.0.2")}};
  g.configure(network);
  const std::vector<Link> inside = g.links_in(g.container.fd());
  const auto eth0 = named(inside, "eth0"), eth1 = named(inside, "eth1");
  ASSERT_TRUE(eth0 && eth1);
  EXPECT_EQ(eth0->mac, g.mac1);
  EXPECT_EQ(eth1->mac, g.mac0);
  EXPECT_EQ(eth0->mtu, 1450u);
  EXPECT_TRUE(eth0->up());
  in_netns(g.container.fd(), [&] {
    Netlink nl;
    EXPECT_EQ(list_addresses(nl, eth0->index), network.interfaces[0].addresses);
    EXPECT_EQ(list_addresses(nl, eth1->index), network.interfaces[1].addresses);
  });
  for (const Link& l : g.links_in(g.guest.fd())) EXPECT_FALSE(l.carries_container_traffic()) << l.name << " stayed";
}

TEST(netconf_guest_network, TheNicLeftWithoutAnInterfaceTakesItsMac) {
  NETCONF_REQUIRE_ROOT();
  Guest g(1);
  g.configure(Network{{interface("eth0", "02:42:0a:58:00:07", "10.88.0.7")}});
  const auto eth0 = named(g.links_in(g.container.fd()), "eth0");
  ASSERT_TRUE(eth0);
  EXPECT_EQ(eth0->mac, "02:42:0a:58:00:07");
  EXPECT_TRUE(eth0->up());
}

TEST(netconf_guest_network, ARepeatedRequestConfiguresTheSameNicAgain) {
  NETCONF_REQUIRE_ROOT();
  Guest g(1);
  Network network{{interface("eth0", g.mac0, "10.1.0.2")}};
  g.configure(network);
  network.interfaces[0].mtu = 1400;
  g.configure(network);
  const auto eth0 = named(g.links_in(g.container.fd()), "eth0");
  ASSERT_TRUE(eth0);
  EXPECT_EQ(eth0->mtu, 1400u);
}

TEST(netconf_guest_network, AContainerInTheGuestsOwnNamespaceIsConfiguredInPlace) {
  NETCONF_REQUIRE_ROOT();
  Guest g(1);
  g.configure(Network{{interface("net0", g.mac0, "10.1.0.2")}}, g.guest.fd());
  const auto net0 = named(g.links_in(g.guest.fd()), "net0");
  ASSERT_TRUE(net0);
  EXPECT_TRUE(net0->up());
}

TEST(netconf_guest_network, AnInterfaceWithoutANicIsNamed) {
  NETCONF_REQUIRE_ROOT();
  Guest g(1);
  const Network network{{interface("eth0", g.mac0, "10.1.0.2"), interface("eth1", "02:00:00:00:00:09", "10.2.0.2")}};
  try {
    g.configure(network);
    FAIL() << "two interfaces were given one NIC";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "interface eth1: no guest NIC has MAC 02:00:00:00:00:09 and none is left without an interface");
  }
}

}  // namespace
}  // namespace ppc::netconf
