// Addresses, routes and a whole interface's configuration, on a veth end in a throwaway
// namespace, as the agent configures a guest NIC in the container's namespace.
#include "netconf/interface_setup.h"

#include <gtest/gtest.h>

#include <fstream>

#include "netconf/addresses.h"
#include "netconf/routes.h"
#include "scratch_netns.h"

namespace ppc::netconf {
namespace {

using protocol::IpFamily;
using protocol::NetAddress;
using protocol::NetInterface;
using protocol::NetRoute;
using protocol::RouteScope;
using test::in_scratch_netns_with_veth;
using test::ScratchNetns;

// podman's default network, dual stack, and a route on the link.
NetInterface dual_stack() {
  NetInterface eth0;
  eth0.name = "eth0";
  eth0.mac = "02:11:22:33:44:55";
  eth0.mtu = 1400;
  eth0.addresses = {{IpFamily::kIpv4, "10.88.0.2", 16}, {IpFamily::kIpv6, "fd00:1::2", 64}};
  // Gateway routes first here: configure_interface must order them itself.
  eth0.routes = {{IpFamily::kIpv4, "0.0.0.0", 0, "192.168.77.1", RouteScope::kUniverse, 0},
                 {IpFamily::kIpv6, "::", 0, "fd00:1::1", RouteScope::kUniverse, 1024},
                 {IpFamily::kIpv4, "192.168.77.0", 24, "", RouteScope::kLink, 0},
                 {IpFamily::kIpv6, "fd00:2::", 64, "fe80::1", RouteScope::kUniverse, 1024}};
  return eth0;
}

std::string read_line(const std::string& path) {
  std::string line;
  std::getline(std::ifstream(path), line);
  return line;
}

TEST(netconf_interface_setup, AVethEndGetsEverything) {
  NETCONF_REQUIRE_ROOT();
  in_scratch_netns_with_veth([](Netlink& nl) {
    change_link(nl, link_named(nl, "v1"), LinkChange{.up = true});  // else v0 stays without carrier
    configure_interface(nl, link_named(nl, "v0"), dual_stack());
    const Link eth0 = link_named(nl, "eth0");
    EXPECT_EQ(eth0.mtu, 1400u);
    EXPECT_TRUE(eth0.up());
    EXPECT_EQ(list_addresses(nl, eth0.index), dual_stack().addresses);
    std::vector<NetRoute> want = dual_stack().routes;
    std::vector<NetRoute> got = list_routes(nl, eth0.index);
    std::sort(want.begin(), want.end(), [](auto& a, auto& b) { return a.destination < b.destination; });
    std::sort(got.begin(), got.end(), [](auto& a, auto& b) { return a.destination < b.destination; });
    EXPECT_EQ(got, want);
    EXPECT_EQ(read_line("/proc/sys/net/ipv6/conf/all/accept_dad"), "0");
    EXPECT_EQ(read_line("/proc/sys/net/ipv6/conf/eth0/accept_dad"), "0");
  });
}

TEST(netconf_interface_setup, ReadingLeavesOutKernelAndLinkLocalEntries) {
  NETCONF_REQUIRE_ROOT();
  in_scratch_netns_with_veth([](Netlink& nl) {
    change_link(nl, link_named(nl, "v1"), LinkChange{.up = true});
    const Link v0 = link_named(nl, "v0");
    change_link(nl, v0, LinkChange{.up = true});  // an fe80:: address and fe80::/64 appear
    add_address(nl, v0.index, {IpFamily::kIpv4, "10.99.0.5", 24});  // and 10.99.0.0/24, proto kernel
    EXPECT_EQ(list_addresses(nl, v0.index), (std::vector<NetAddress>{{IpFamily::kIpv4, "10.99.0.5", 24}}));
    EXPECT_TRUE(list_routes(nl, v0.index).empty());
    const NetRoute via{IpFamily::kIpv4, "10.98.0.0", 16, "10.99.0.254", RouteScope::kUniverse, 0};
    add_route(nl, v0.index, via);
    EXPECT_EQ(list_routes(nl, v0.index), std::vector<NetRoute>{via});
    EXPECT_TRUE(list_routes(nl, link_named(nl, "lo").index).empty());
  });
}

TEST(netconf_interface_setup, FailuresNameTheAddressOrRoute) {
  NETCONF_REQUIRE_ROOT();
  in_scratch_netns_with_veth([](Netlink& nl) {
    NetInterface config = dual_stack();
    config.addresses.clear();  // so the gateways are unreachable
    config.routes = {{IpFamily::kIpv4, "0.0.0.0", 0, "10.88.0.1", RouteScope::kUniverse, 0}};
    try {
      configure_interface(nl, link_named(nl, "v0"), config);
      FAIL() << "a route through an unreachable gateway was added";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("interface eth0: add route 0.0.0.0/0 via 10.88.0.1: "), std::string::npos)
          << e.what();
    }
  });
}

}  // namespace
}  // namespace ppc::netconf
