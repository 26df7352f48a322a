// The real tap backend against the kernel's /dev/net/tun, in a network namespace of the
// test's own: needs root (CAP_NET_ADMIN) and /dev/net/tun, and is skipped, saying so, without.
#include "virtio/tap.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"
#include "virtio/net_header.h"

namespace ppc::vmm {
namespace {

// Makes a tap as the shim does (persistent unless told otherwise); returns the fd it used,
// which a non-persistent tap needs to stay.
UniqueFd make_tap(const std::string& name, bool persistent) {
  UniqueFd fd(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
  if (!fd.valid()) throw_errno("open /dev/net/tun");
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  if (::ioctl(fd.get(), TUNSETIFF, &ifr) < 0) throw_errno("TUNSETIFF " + name);
  if (persistent && ::ioctl(fd.get(), TUNSETPERSIST, 1) < 0) throw_errno("TUNSETPERSIST " + name);
  return fd;
}

void set_up(const std::string& name) {
  UniqueFd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  if (::ioctl(s.get(), SIOCGIFFLAGS, &ifr) < 0) throw_errno("SIOCGIFFLAGS");
  ifr.ifr_flags |= IFF_UP;
  if (::ioctl(s.get(), SIOCSIFFLAGS, &ifr) < 0) throw_errno("SIOCSIFFLAGS");
}

std::string error_of(const std::string& name) {
  try {
    TapBackend tap(name);
  } catch (const Error& e) {
    return e.what();
  }
  return "(opened)";
}

// Runs fn in a new network namespace, on a thread of its own (the namespace ends with it).
// Returns false when the namespace cannot be made here.
template <typename Fn>
bool in_new_netns(Fn&& fn) {
  bool made = false;
  std::thread t([&] {
    if (::unshare(CLONE_NEWNET) < 0) return;
    made = true;
    fn();
  });
  t.join();
  return made;
}

class TapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0 || ::access("/dev/net/tun", R_OK | W_OK) != 0) GTEST_SKIP() << "needs root and /dev/net/tun";
  }
};

TEST_F(TapTest, AttachesToAPersistentTapWithTheVirtioNetHeader) {
  const bool made = in_new_netns([] {
    make_tap("nettest0", true);
    TapBackend tap("nettest0");
    EXPECT_EQ(tap.name(), "nettest0");
    int header = 0;
    ASSERT_EQ(::ioctl(tap.fd(), TUNGETVNETHDRSZ, &header), 0);
    EXPECT_EQ(header, 12);
    ifreq ifr{};
    ASSERT_EQ(::ioctl(tap.fd(), TUNGETIFF, &ifr), 0);
    EXPECT_EQ(ifr.ifr_flags & (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_PERSIST), IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_PERSIST);
    EXPECT_EQ(::fcntl(tap.fd(), F_GETFL) & O_NONBLOCK, O_NONBLOCK);
    // Offloads reach the kernel, which refuses bits it does not know.
    EXPECT_NO_THROW(tap.set_offloads(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6));
    EXPECT_THROW(tap.set_offloads(0x8000), Error);
    // Nothing waits: no frame, not an error.
    std::vector<uint8_t> buf(net::kHeaderSize + net::kMaxFrame);
    const iovec iov{buf.data(), buf.size()};
    EXPECT_EQ(tap.read_frame({&iov, 1}), std::nullopt);
    // A frame goes out once the link is up (the kernel refuses writes to a link that is down).
    std::vector<uint8_t> frame(net::kHeaderSize + 60, 0);
    frame[net::kHeaderSize] = 0xff;  // broadcast destination
    const iovec out{frame.data(), frame.size()};
    EXPECT_NE(tap.write_frame({&out, 1}), 0);
    set_up("nettest0");
    EXPECT_EQ(tap.write_frame({&out, 1}), 0);
    // One user at a time.
    EXPECT_NE(error_of("nettest0").find("tap nettest0: already in use by another process"), std::string::npos)
        << error_of("nettest0");
  });
  if (!made) GTEST_SKIP() << "cannot make a network namespace here";
}

TEST_F(TapTest, RefusesWhatIsNotAnExistingPersistentTap) {
  const bool made = in_new_netns([] {
    EXPECT_EQ(error_of("nettest9"), "tap nettest9: no such interface");
    EXPECT_EQ(if_nametoindex("nettest9"), 0u) << "looking must not create it";
    EXPECT_NE(error_of("lo").find("tap lo: not a tap device"), std::string::npos) << error_of("lo");
    const UniqueFd holder = make_tap("nettest1", false);  // held by another "process"
    EXPECT_NE(error_of("nettest1").find("already in use"), std::string::npos) << error_of("nettest1");
  });
  if (!made) GTEST_SKIP() << "cannot make a network namespace here";
}

TEST(TapName, OnlyValidInterfaceNames) {
  EXPECT_NO_THROW(TapBackend::check_name("tap0_ppc"));
  EXPECT_NO_THROW(TapBackend::check_name("0123456789abcde"));
  for (const char* bad : {"", "0123456789abcdef", ".", "..", "a/b", "a:b", "tap%d", "a b"})
    EXPECT_THROW(TapBackend::check_name(bad), Error) << "'" << bad << "'";
}

}  // namespace
}  // namespace ppc::vmm
