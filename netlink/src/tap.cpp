#include "netconf/tap.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>

#include "base/error.h"
#include "base/unique_fd.h"

namespace ppc::netconf {

void create_persistent_tap(const std::string& name) {
  const std::string what = "tap " + name;
  if (name.empty() || name.size() >= IFNAMSIZ) throw Error(what + ": a name of 1 to 15 bytes is needed");
  UniqueFd tun(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
  if (!tun.valid()) throw_errno(what + ": open /dev/net/tun (is the kernel's TUN driver there?)");
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, name.data(), name.size());
  // IFF_TUN_EXCL: never attach to a device that exists already (another VM's tap).
  // ifr_flags is a short: the flags' bit pattern (IFF_TUN_EXCL is bit 15) goes in as it is.
  ifr.ifr_flags = static_cast<short>(IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_TUN_EXCL);
  if (::ioctl(tun.get(), TUNSETIFF, &ifr) != 0) {
    if (errno == EBUSY || errno == EEXIST) throw Error(what + ": a device of that name exists already");
    throw_errno(what + ": TUNSETIFF");
  }
  if (::ioctl(tun.get(), TUNSETPERSIST, 1) != 0) throw_errno(what + ": TUNSETPERSIST");
}

}  // namespace ppc::netconf
