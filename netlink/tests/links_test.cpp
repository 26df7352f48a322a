// Links against real namespaces: veth pairs, a persistent tap, changes, moves, deletion.
#include "netconf/links.h"

#include <gtest/gtest.h>

#include "netconf/tap.h"
#include "scratch_netns.h"

namespace ppc::netconf {
namespace {

using test::add_veth_pair;
using test::in_scratch_netns_with_veth;
using test::ScratchNetns;

TEST(netconf_links, VethEndsCarryContainerTrafficLoopbackAndTapsDoNot) {
  NETCONF_REQUIRE_ROOT();
  in_scratch_netns_with_veth([](Netlink& nl) {
    create_persistent_tap("tap0_kvm");
    const std::vector<Link> links = list_links(nl);
    ASSERT_EQ(links.size(), 4u);
    EXPECT_EQ(links[0].name, "lo");
    EXPECT_FALSE(links[0].carries_container_traffic());
    const Link v0 = link_named(nl, "v0");
    EXPECT_EQ(v0.kind, "veth");
    EXPECT_EQ(v0.mac.size(), 17u);
    EXPECT_EQ(v0.mtu, 1500u);
    EXPECT_TRUE(v0.carries_container_traffic());
    const Link tap = link_named(nl, "tap0_kvm");
    EXPECT_EQ(tap.kind, "tun");
    EXPECT_FALSE(tap.carries_container_traffic());
  });
}

TEST(netconf_links, ChangesMtuMacNameAndUp) {
  NETCONF_REQUIRE_ROOT();
  in_scratch_netns_with_veth([](Netlink& nl) {
    change_link(nl, link_named(nl, "v0"), LinkChange{.mtu = 1400, .mac = "02:11:22:33:44:55", .name = "eth0"});
    EXPECT_FALSE(find_link(nl, "v0"));
    Link eth0 = link_named(nl, "eth0");
    EXPECT_EQ(eth0.mtu, 1400u);
    EXPECT_EQ(eth0.mac, "02:11:22:33:44:55");
    EXPECT_FALSE(eth0.up());
    change_link(nl, eth0, LinkChange{.up = true});
    EXPECT_TRUE(link_named(nl, "eth0").up());
  });
}

TEST(netconf_links, FailuresNameTheInterfaceAndTheChange) {
  NETCONF_REQUIRE_ROOT();
  in_scratch_netns_with_veth([](Netlink& nl) {
    try {
      change_link(nl, link_named(nl, "v0"), LinkChange{.mtu = 20});
      FAIL() << "an MTU of 20 was taken";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("interface v0: set MTU 20: "), std::string::npos) << e.what();
    }
    try {
      link_named(nl, "eth7");
      FAIL() << "found eth7";
    } catch (const Error& e) {
      EXPECT_STREQ(e.what(), "interface eth7: not found");
    }
  });
}

TEST(netconf_links, MovesIntoAnotherNamespace) {
  NETCONF_REQUIRE_ROOT();
  ScratchNetns a, b;
  run_in_netns(a.fd(), [&] {
    Netlink nl;
    add_veth_pair(nl, "v0", "v1");
    change_link(nl, link_named(nl, "v1"), LinkChange{.netns_fd = b.fd()});
    EXPECT_FALSE(find_link(nl, "v1"));
  });
  EXPECT_TRUE(in_netns(b.fd(), [] {
    Netlink nl;
    return find_link(nl, "v1").has_value();
  }));
}

TEST(netconf_links, APersistentTapOutlivesItsMakerUntilDeletedAndIsMadeOnce) {
  NETCONF_REQUIRE_ROOT();
  ScratchNetns ns;
  run_in_netns(ns.fd(), [] { create_persistent_tap("tap0_kvm"); });
  run_in_netns(ns.fd(), [] {
    Netlink nl;
    EXPECT_TRUE(find_link(nl, "tap0_kvm"));
    try {
      create_persistent_tap("tap0_kvm");
      FAIL() << "a second tap0_kvm was made or attached";
    } catch (const Error& e) {
      EXPECT_STREQ(e.what(), "tap tap0_kvm: a device of that name exists already");
    }
    delete_link(nl, "tap0_kvm");
    EXPECT_FALSE(find_link(nl, "tap0_kvm"));
    EXPECT_NO_THROW(delete_link(nl, "tap0_kvm"));
  });
}

}  // namespace
}  // namespace ppc::netconf
