// Network namespaces: made, joined by a thread of their own, removed; what is not one.
#include "netconf/netns.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "netconf/links.h"
#include "netconf/tap.h"
#include "scratch_netns.h"

namespace ppc::netconf {
namespace {

using test::own_netns;
using test::ScratchNetns;

TEST(netconf_netns, ANewNamespaceHoldsOnlyLoopbackDown) {
  NETCONF_REQUIRE_ROOT();
  ScratchNetns ns;
  const auto links = in_netns(ns.fd(), [] {
    Netlink nl;
    return list_links(nl);
  });
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].name, "lo");
  EXPECT_TRUE(links[0].loopback());
  EXPECT_FALSE(links[0].up());
}

// A scratch namespace is another than the caller's, and what is made in it stays there (the
// shim makes a template's taps in one; they end with it, however the shim ends).
TEST(netconf_netns, AScratchNamespaceIsNewAndHoldsWhatIsMadeInIt) {
  NETCONF_REQUIRE_ROOT();
  const ino_t before = own_netns();
  UniqueFd ns = scratch_netns();
  const ino_t inside = in_netns(ns.get(), [] {
    create_persistent_tap("tap0_kvm");
    return own_netns();
  });
  EXPECT_NE(inside, before);
  EXPECT_EQ(own_netns(), before);
  int taps_seen = 0;
  run_in_netns(ns.get(), [&] {
    Netlink nl;
    for (const Link& link : list_links(nl)) taps_seen += link.name == "tap0_kvm";
  });
  EXPECT_EQ(taps_seen, 1);
  Netlink nl;
  for (const Link& link : list_links(nl)) EXPECT_NE(link.name, "tap0_kvm");
}

TEST(netconf_netns, WorkRunsInTheNamespaceAndTheCallerStaysWhereItWas) {
  NETCONF_REQUIRE_ROOT();
  ScratchNetns ns;
  const ino_t before = own_netns();
  const ino_t inside = in_netns(ns.fd(), [] { return own_netns(); });
  struct stat st {};
  ASSERT_EQ(::stat(ns.path().c_str(), &st), 0);
  EXPECT_EQ(inside, st.st_ino);
  EXPECT_NE(inside, before);
  EXPECT_EQ(own_netns(), before);
}

TEST(netconf_netns, WhatTheWorkThrowsComesBack) {
  NETCONF_REQUIRE_ROOT();
  ScratchNetns ns;
  try {
    run_in_netns(ns.fd(), [] { throw Error("interface eth9: not found"); });
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "interface eth9: not found");
  }
}

TEST(netconf_netns, AMissingPathOrAPlainFileIsGone) {
  EXPECT_THROW(open_netns("/nonexistent/netns"), NetnsGone);
  char file[] = "/tmp/netconf-plain.XXXXXX";
  const int fd = ::mkstemp(file);
  ASSERT_GE(fd, 0);
  ::close(fd);
  try {
    open_netns(file);
    FAIL() << "a plain file passed as a namespace";
  } catch (const NetnsGone& e) {
    EXPECT_NE(std::string(e.what()).find("not a namespace"), std::string::npos) << e.what();
  }
  ::unlink(file);
}

TEST(netconf_netns, AnotherKindOfNamespaceIsNotJoined) {
  UniqueFd uts(::open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(uts.valid());
  EXPECT_THROW(run_in_netns(uts.get(), [] {}), NetnsGone);
}

TEST(netconf_netns, RemovedNamespaceIsGoneAndRemovingTwiceIsFine) {
  NETCONF_REQUIRE_ROOT();
  char dir[] = "/tmp/netconf-test.XXXXXX";
  const std::string path = std::string(::mkdtemp(dir)) + "/ns";
  create_netns(path);
  EXPECT_NO_THROW(open_netns(path));
  EXPECT_THROW(create_netns(path), Error);  // never over an existing file
  remove_netns(path);
  EXPECT_THROW(open_netns(path), NetnsGone);
  EXPECT_NO_THROW(remove_netns(path));
  ::rmdir(dir);
}

}  // namespace
}  // namespace ppc::netconf
