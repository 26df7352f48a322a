// The tc redirect between a veth end and a tap, with real frames through both directions.
#include "netconf/tc_redirect.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <vector>

#include "netconf/tap.h"
#include "scratch_netns.h"

namespace ppc::netconf {
namespace {

using test::add_veth_pair;
using test::ScratchNetns;

constexpr uint16_t kTestEthertype = 0x88b5;  // IEEE 802 local experimental: nothing else sends it

// A: v0 and the tap, each redirected to the other; B: v1, the far end of the wire.
struct Wire {
  ScratchNetns a, b;
  Wire() {
    run_in_netns(a.fd(), [&] {
      Netlink nl;
      add_veth_pair(nl, "v0", "v1");
      change_link(nl, link_named(nl, "v1"), LinkChange{.netns_fd = b.fd()});
      create_persistent_tap("tap0_kvm");
      for (const char* name : {"v0", "tap0_kvm"}) change_link(nl, link_named(nl, name), LinkChange{.up = true});
    });
    run_in_netns(b.fd(), [] {
      Netlink nl;
      change_link(nl, link_named(nl, "v1"), LinkChange{.up = true});
    });
  }
  void connect() {
    run_in_netns(a.fd(), [] {
      Netlink nl;
      const Link v0 = link_named(nl, "v0"), tap = link_named(nl, "tap0_kvm");
      redirect_ingress(nl, v0, tap);
      redirect_ingress(nl, tap, v0);
    });
  }
};

// The tap's queue, as the VMM would open it (no virtio-net header here: frames as they are).
UniqueFd open_tap(int netns_fd) {
  return in_netns(netns_fd, [] {
    UniqueFd fd(::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (!fd.valid()) throw_errno("open /dev/net/tun");
    ifreq ifr{};
    std::strcpy(ifr.ifr_name, "tap0_kvm");
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (::ioctl(fd.get(), TUNSETIFF, &ifr) != 0) throw_errno("TUNSETIFF tap0_kvm");
    return fd;
  });
}

// A packet socket on v1 in B.
UniqueFd open_v1(int netns_fd) {
  return in_netns(netns_fd, [] {
    UniqueFd fd(::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(kTestEthertype)));
    if (!fd.valid()) throw_errno("packet socket");
    Netlink nl;
    sockaddr_ll at{};
    at.sll_family = AF_PACKET;
    at.sll_protocol = htons(kTestEthertype);
    at.sll_ifindex = link_named(nl, "v1").index;
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&at), sizeof at) != 0) throw_errno("bind to v1");
    return fd;
  });
}

std::vector<uint8_t> test_frame(uint8_t marker) {
  std::vector<uint8_t> frame(60, marker);
  std::memset(frame.data(), 0xff, 6);  // broadcast
  const uint8_t source[6] = {0x02, 0, 0, 0, 0, marker};
  std::memcpy(frame.data() + 6, source, 6);
  frame[12] = kTestEthertype >> 8;
  frame[13] = kTestEthertype & 0xff;
  return frame;
}

// Reads frames from fd for up to 3 s until one of the test's ethertype with `marker` comes.
bool receives(int fd, uint8_t marker) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    uint8_t buf[2048];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n >= 60 && buf[12] == (kTestEthertype >> 8) && buf[13] == (kTestEthertype & 0xff) && buf[20] == marker) {
      return true;
    }
  }
  return false;
}

TEST(netconf_tc_redirect, FramesCrossBothWays) {
  NETCONF_REQUIRE_ROOT();
  NETCONF_REQUIRE_TC();
  Wire wire;
  wire.connect();
  UniqueFd tap = open_tap(wire.a.fd());
  UniqueFd v1 = open_v1(wire.b.fd());
  const std::vector<uint8_t> out = test_frame(0x5a);
  ASSERT_EQ(::write(v1.get(), out.data(), out.size()), static_cast<ssize_t>(out.size()));
  EXPECT_TRUE(receives(tap.get(), 0x5a)) << "a frame sent on v1 did not come out of the tap";
  const std::vector<uint8_t> in = test_frame(0xa5);
  ASSERT_EQ(::write(tap.get(), in.data(), in.size()), static_cast<ssize_t>(in.size()));
  EXPECT_TRUE(receives(v1.get(), 0xa5)) << "a frame written to the tap did not reach v1";
}

TEST(netconf_tc_redirect, WithoutTheRedirectNothingCrosses) {
  // The negative control of the test above: the same wire, not connected.
  NETCONF_REQUIRE_ROOT();
  Wire wire;
  UniqueFd tap = open_tap(wire.a.fd());
  UniqueFd v1 = open_v1(wire.b.fd());
  const std::vector<uint8_t> out = test_frame(0x5a);
  ASSERT_EQ(::write(v1.get(), out.data(), out.size()), static_cast<ssize_t>(out.size()));
  EXPECT_FALSE(receives(tap.get(), 0x5a));
}

TEST(netconf_tc_redirect, AnExistingIngressQdiscIsNotReplacedAndRemovalIsRepeatable) {
  NETCONF_REQUIRE_ROOT();
  NETCONF_REQUIRE_TC();
  Wire wire;
  wire.connect();
  run_in_netns(wire.a.fd(), [] {
    Netlink nl;
    const Link v0 = link_named(nl, "v0"), tap = link_named(nl, "tap0_kvm");
    EXPECT_TRUE(has_ingress_qdisc(nl, v0.index));
    try {
      redirect_ingress(nl, v0, tap);
      FAIL() << "a second redirect was added";
    } catch (const Error& e) {
      EXPECT_STREQ(e.what(), "interface v0: ingress qdisc: there is one already (another program's filters?)");
    }
    remove_ingress(nl, "v0");
    EXPECT_FALSE(has_ingress_qdisc(nl, v0.index));
    EXPECT_TRUE(has_ingress_qdisc(nl, tap.index));
    EXPECT_NO_THROW(remove_ingress(nl, "v0"));
    EXPECT_NO_THROW(remove_ingress(nl, "nonexistent0"));
  });
}

}  // namespace
}  // namespace ppc::netconf
