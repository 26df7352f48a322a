// A container's network on the host, against real namespaces (root): the engine's interface
// joined to a tap, the shim's own namespace with its tap for a late interface, what is
// refused, and every undo (a failed create, delete through the ledger) leaving the engine's
// namespace as it was.
#include "commands/container_network.h"

#include <gtest/gtest.h>

#include "commands/ledger.h"
#include "net/host_network.h"
#include "netconf/addresses.h"
#include "netconf/links.h"
#include "netconf/routes.h"
#include "netconf/tap.h"
#include "netconf/tc_redirect.h"
#include "scratch_netns.h"
#include "test_dir.h"

namespace ppc::shim {
namespace {

using netconf::Link;
using netconf::LinkChange;
using netconf::Netlink;
using netconf::test::add_veth_pair;
using netconf::test::ScratchNetns;
using protocol::IpFamily;
using test::TestDir;

// What is in a namespace that matters here.
struct Seen {
  std::optional<Link> eth0, tap;
  bool eth0_ingress = false, tap_ingress = false;
};

Seen look(int netns) {
  return netconf::in_netns(netns, [] {
    Netlink nl;
    Seen seen;
    seen.eth0 = netconf::find_link(nl, "eth0");
    seen.tap = netconf::find_link(nl, "tap0_kvm");
    seen.eth0_ingress = seen.eth0 && netconf::has_ingress_qdisc(nl, seen.eth0->index);
    seen.tap_ingress = seen.tap && netconf::has_ingress_qdisc(nl, seen.tap->index);
    return seen;
  });
}

// A veth end named eth0 (MTU 1450, up, with an address and a default route) in `netns`, its
// peer in `far`, as podman's netavark leaves the container's namespace.
void add_engine_interface(int netns, int far) {
  netconf::run_in_netns(netns, [&] {
    Netlink nl;
    add_veth_pair(nl, "eth0", "peer0");
    netconf::change_link(nl, netconf::link_named(nl, "peer0"), LinkChange{.netns_fd = far});
    const Link eth0 = netconf::link_named(nl, "eth0");
    netconf::change_link(nl, eth0, LinkChange{.mtu = 1450, .up = true});
    netconf::add_address(nl, eth0.index, {IpFamily::kIpv4, "10.88.0.2", 16});
    netconf::add_route(nl, eth0.index, {IpFamily::kIpv4, "0.0.0.0", 0, "10.88.0.1", protocol::RouteScope::kUniverse, 0});
  });
  netconf::run_in_netns(far, [] {
    Netlink nl;
    netconf::change_link(nl, netconf::link_named(nl, "peer0"), LinkChange{.up = true});
  });
}

struct Fixture {
  TestDir root;
  StateStore store{root.path()};
  LockedContainer container = store.create("c1");
  ScratchNetns engine, far;
};

void undo_as_delete_does(const LockedContainer& container) {
  EXPECT_EQ(undo_newest_first(Ledger(container.dir()).read()), 0u);
}

TEST(shim_container_network, AnEnginesInterfaceIsJoinedToATapBothWays) {
  NETCONF_REQUIRE_ROOT();
  NETCONF_REQUIRE_TC();
  Fixture f;
  add_engine_interface(f.engine.fd(), f.far.fd());
  const std::string mac = look(f.engine.fd()).eth0->mac;
  {
    UndoStack undo;
    undo.record_in(Ledger(f.container.dir()));
    const ContainerNetwork network = make_network(NetworkPlan{false, f.engine.path()}, f.container, undo);
    EXPECT_FALSE(network.record.late);
    EXPECT_EQ(network.record.nics, (std::vector<GuestNic>{{"tap0_kvm", mac, 1450}}));
    EXPECT_EQ(network.vmm_nics(), std::vector<std::string>{"tap=tap0_kvm,mac=" + mac + ",mtu=1450"});
    ASSERT_TRUE(network.request);
    ASSERT_EQ(network.request->interfaces.size(), 1u);
    const protocol::NetInterface& eth0 = network.request->interfaces[0];
    EXPECT_EQ(eth0.name, "eth0");
    EXPECT_EQ(eth0.mac, mac);
    EXPECT_EQ(eth0.mtu, 1450u);
    EXPECT_EQ(eth0.addresses, (std::vector<protocol::NetAddress>{{IpFamily::kIpv4, "10.88.0.2", 16}}));
    ASSERT_EQ(eth0.routes.size(), 1u);
    EXPECT_EQ(eth0.routes[0].gateway, "10.88.0.1");
    EXPECT_EQ(read_network_record(f.container.dir())->nics, network.record.nics);
    undo.keep();
  }
  const Seen made = look(f.engine.fd());
  ASSERT_TRUE(made.tap);
  EXPECT_EQ(made.tap->kind, "tun");
  EXPECT_EQ(made.tap->mtu, 1450u);
  EXPECT_TRUE(made.tap->up());
  EXPECT_TRUE(made.eth0_ingress && made.tap_ingress);
  undo_as_delete_does(f.container);
  const Seen after = look(f.engine.fd());
  EXPECT_FALSE(after.tap);
  EXPECT_FALSE(after.eth0_ingress);
  ASSERT_TRUE(after.eth0) << "delete removed the engine's interface";
  EXPECT_EQ(after.eth0->mac, mac);
  undo_as_delete_does(f.container);  // twice is fine
}

TEST(shim_container_network, AFailedCreateLeavesTheEnginesNamespaceAsItWas) {
  NETCONF_REQUIRE_ROOT();
  NETCONF_REQUIRE_TC();
  Fixture f;
  add_engine_interface(f.engine.fd(), f.far.fd());
  {
    UndoStack undo;
    undo.record_in(Ledger(f.container.dir()));
    make_network(NetworkPlan{false, f.engine.path()}, f.container, undo);
    EXPECT_TRUE(look(f.engine.fd()).tap);
  }  // not kept: a later step failed
  const Seen after = look(f.engine.fd());
  EXPECT_FALSE(after.tap);
  EXPECT_FALSE(after.eth0_ingress);
  EXPECT_TRUE(after.eth0);
}

TEST(shim_container_network, SomeoneElsesQdiscOrTapIsRefusedAndLeftAlone) {
  NETCONF_REQUIRE_ROOT();
  NETCONF_REQUIRE_TC();
  Fixture f;
  add_engine_interface(f.engine.fd(), f.far.fd());
  netconf::run_in_netns(f.engine.fd(), [] {
    Netlink nl;
    netconf::redirect_ingress(nl, netconf::link_named(nl, "eth0"), netconf::link_named(nl, "lo"));
  });
  try {
    UndoStack undo;
    make_network(NetworkPlan{false, f.engine.path()}, f.container, undo);
    FAIL() << "an interface with an ingress qdisc was taken";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("network namespace " + f.engine.path() +
                                         ": interface eth0 has an ingress qdisc already"),
              std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(look(f.engine.fd()).eth0_ingress);
  EXPECT_FALSE(look(f.engine.fd()).tap);
  netconf::run_in_netns(f.engine.fd(), [] {
    Netlink nl;
    netconf::remove_ingress(nl, "eth0");
    netconf::create_persistent_tap("tap0_kvm");
  });
  try {
    UndoStack undo;
    make_network(NetworkPlan{false, f.engine.path()}, f.container, undo);
    FAIL() << "an existing tap0_kvm was taken";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("interface tap0_kvm exists already in the network namespace"), std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(look(f.engine.fd()).tap) << "someone else's tap was deleted";
}

TEST(shim_container_network, TheShimsOwnNamespaceGetsATapAndItsInterfaceAtStart) {
  NETCONF_REQUIRE_ROOT();
  NETCONF_REQUIRE_TC();
  Fixture f;
  {
    UndoStack undo;
    undo.record_in(Ledger(f.container.dir()));
    const ContainerNetwork network = make_network(NetworkPlan{true, ""}, f.container, undo);
    EXPECT_TRUE(network.record.late);
    EXPECT_EQ(network.record.netns.path, f.container.file("netns"));
    EXPECT_EQ(network.record.nics, (std::vector<GuestNic>{{"tap0_kvm", placeholder_mac("c1", 0), 0}}));
    EXPECT_FALSE(network.request);
    undo.keep();
  }
  const UniqueFd own = netconf::open_netns(f.container.file("netns"));
  EXPECT_TRUE(look(own.get()).tap);
  UndoStack nothing;
  EXPECT_FALSE(connect_late_interfaces(f.container, nothing)) << "a request for a namespace with no interface";
  // ctr run --cni, between create and start: CNI puts a veth into the namespace.
  add_engine_interface(f.engine.fd(), f.far.fd());
  netconf::run_in_netns(f.engine.fd(), [&] {
    Netlink nl;
    netconf::change_link(nl, netconf::link_named(nl, "eth0"), LinkChange{.netns_fd = own.get()});
  });
  {
    UndoStack undo;
    undo.record_in(Ledger(f.container.dir()));
    const std::optional<protocol::Network> request = connect_late_interfaces(f.container, undo);
    ASSERT_TRUE(request);
    ASSERT_EQ(request->interfaces.size(), 1u);
    EXPECT_EQ(request->interfaces[0].mac, look(own.get()).eth0->mac);
    EXPECT_EQ(request->interfaces[0].mtu, 1450u);
    undo.keep();
  }
  const Seen connected = look(own.get());
  EXPECT_TRUE(connected.eth0_ingress && connected.tap_ingress);
  EXPECT_EQ(connected.tap->mtu, 1450u);
  undo_as_delete_does(f.container);
  EXPECT_THROW(netconf::open_netns(f.container.file("netns")), netconf::NetnsGone);
}

TEST(shim_container_network, MoreInterfacesAtStartThanNicsIsAnError) {
  NETCONF_REQUIRE_ROOT();
  Fixture f;
  {
    UndoStack undo;
    undo.record_in(Ledger(f.container.dir()));
    make_network(NetworkPlan{true, ""}, f.container, undo);
    undo.keep();
  }
  const UniqueFd own = netconf::open_netns(f.container.file("netns"));
  netconf::run_in_netns(own.get(), [] {
    Netlink nl;
    add_veth_pair(nl, "eth0", "eth1");  // both ends carry traffic: two interfaces
  });
  UndoStack undo;
  try {
    connect_late_interfaces(f.container, undo);
    FAIL() << "two interfaces were connected to one NIC";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "network namespace " + f.container.file("netns") +
                                         ": 2 interfaces appeared after create, and the VM was booted with 1 NIC(s) "
                                         "for them");
  }
  undo_as_delete_does(f.container);
}

}  // namespace
}  // namespace ppc::shim
