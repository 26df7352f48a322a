#pragma once
// Throwaway network namespaces for tests on the build machine: creating them (and veth pairs
// and taps in them) needs root, so a test says so and skips without it.
#include <stdlib.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/qdisc.h>

#include <string>

#include "base/unique_fd.h"
#include "netconf/netlink.h"
#include "netconf/netns.h"

#define NETCONF_REQUIRE_ROOT()                                                                              \
  do {                                                                                                      \
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: makes network namespaces, veth pairs and taps"; \
  } while (0)

// Traffic control over netlink, or a skip where the kernel has it (/proc/net/psched) but its
// messages cannot reach it: qemu-user, which runs the ppc64le tests on x86, translates link,
// address and route messages only and answers the others EOPNOTSUPP. A kernel without tc
// fails the test instead.
#define NETCONF_REQUIRE_TC()                                                                          \
  do {                                                                                                \
    if (::ppc::netconf::test::tc_blocked_by_emulator())                                              \
      GTEST_SKIP() << "tc netlink messages do not pass here (user-mode emulation translates only "  \
                      "link, address and route messages); run the host preset";                      \
  } while (0)

namespace ppc::netconf::test {

inline bool tc_blocked_by_emulator() {
  Netlink nl;
  nl_cache* cache = nullptr;
  const int err = rtnl_qdisc_alloc_cache(nl.socket(), &cache);
  if (cache != nullptr) nl_cache_free(cache);
  return err == -NLE_OPNOTSUPP && ::access("/proc/net/psched", F_OK) == 0;
}

// A new network namespace bound at a temporary path, removed at the end.
class ScratchNetns {
 public:
  ScratchNetns() {
    char dir[] = "/tmp/netconf-test.XXXXXX";
    dir_ = ::mkdtemp(dir);
    path_ = dir_ + "/ns";
    create_netns(path_);
    fd_ = open_netns(path_);
  }
  ~ScratchNetns() {
    fd_.reset();
    try {
      remove_netns(path_);
    } catch (const std::exception&) {
    }
    ::rmdir(dir_.c_str());
  }
  const std::string& path() const { return path_; }
  int fd() const { return fd_.get(); }

 private:
  std::string dir_, path_;
  UniqueFd fd_;
};

// A veth pair in the calling thread's namespace (libnl puts the peer in the namespace of the
// task it is given: this thread, not the process, whose main thread is elsewhere).
inline void add_veth_pair(Netlink& nl, const std::string& a, const std::string& b) {
  const int err = rtnl_link_veth_add(nl.socket(), a.c_str(), b.c_str(), ::gettid());
  if (err < 0) throw Error("veth pair " + a + "/" + b + ": " + nl_geterror(err));
}

// Runs fn(nl) in a new scratch namespace that holds the veth pair v0/v1 (both down).
template <typename Fn>
void in_scratch_netns_with_veth(Fn fn) {
  ScratchNetns ns;
  run_in_netns(ns.fd(), [&] {
    Netlink nl;
    add_veth_pair(nl, "v0", "v1");
    fn(nl);
  });
}

// The inode of the calling thread's network namespace.
inline ino_t own_netns() {
  struct stat st {};
  ::stat(("/proc/self/task/" + std::to_string(::gettid()) + "/ns/net").c_str(), &st);
  return st.st_ino;
}

}  // namespace ppc::netconf::test
