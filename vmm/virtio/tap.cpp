#include "virtio/tap.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/error.h"
#include "virtio/net_header.h"

namespace ppc::vmm {
namespace {

constexpr int kTapFlags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;

}  // namespace

void TapBackend::check_name(const std::string& name) {
  // What the kernel accepts as a name (dev_valid_name), and no '%', which would make TUNSETIFF
  // pick a new name from a template instead of attaching.
  if (name.empty() || name.size() >= IFNAMSIZ || name == "." || name == ".." ||
      name.find_first_of("/:% \t\n\r\f\v") != std::string::npos)
    throw Error("'" + name + "' is not an interface name (1 to " + std::to_string(IFNAMSIZ - 1) +
                " bytes, no '/', ':', '%' or space)");
}

TapBackend::TapBackend(const std::string& name) : name_(name) {
  check_name(name);
  // TUNSETIFF would create a missing tap; we only attach to the one we were given.
  if (::if_nametoindex(name.c_str()) == 0) throw Error("tap " + name + ": no such interface");
  fd_.reset(::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC));
  if (!fd_.valid()) throw_errno("open /dev/net/tun");
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, name.data(), name.size());
  ifr.ifr_flags = kTapFlags;
  if (::ioctl(fd_.get(), TUNSETIFF, &ifr) < 0) {
    if (errno == EINVAL) throw Error("tap " + name + ": not a tap device (TUNSETIFF: Invalid argument)");
    if (errno == EBUSY) throw Error("tap " + name + ": already in use by another process");
    throw_errno("tap " + name + ": TUNSETIFF");
  }
  // The interface may have vanished after the lookup, so that TUNSETIFF made a new one: that
  // one is not persistent, and goes away with our fd.
  ifreq got{};
  if (::ioctl(fd_.get(), TUNGETIFF, &got) < 0) throw_errno("tap " + name + ": TUNGETIFF");
  if (!(got.ifr_flags & IFF_PERSIST)) throw Error("tap " + name + ": not a persistent tap");
  if ((got.ifr_flags & kTapFlags) != kTapFlags) throw Error("tap " + name + ": does not take the virtio-net header");
  int header_size = net::kHeaderSize;
  if (::ioctl(fd_.get(), TUNSETVNETHDRSZ, &header_size) < 0) throw_errno("tap " + name + ": TUNSETVNETHDRSZ");
  // A persistent tap keeps the offloads of its last user: none until this guest acks them.
  set_offloads(0);
}

std::optional<size_t> TapBackend::read_frame(std::span<const iovec> iov) {
  for (;;) {
    // A tap returns the whole frame's length even when it truncated it into a short iov.
    const ssize_t n = ::readv(fd_.get(), iov.data(), static_cast<int>(iov.size()));
    if (n >= 0) return static_cast<size_t>(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return std::nullopt;
    throw_errno("tap " + name_ + ": read");
  }
}

int TapBackend::write_frame(std::span<const iovec> iov) {
  for (;;) {
    if (::writev(fd_.get(), iov.data(), static_cast<int>(iov.size())) >= 0) return 0;
    if (errno != EINTR) return errno;
  }
}

void TapBackend::set_offloads(unsigned tun_flags) {
  if (::ioctl(fd_.get(), TUNSETOFFLOAD, static_cast<unsigned long>(tun_flags)) < 0)
    throw_errno("tap " + name_ + ": TUNSETOFFLOAD " + std::to_string(tun_flags));
}

}  // namespace ppc::vmm
