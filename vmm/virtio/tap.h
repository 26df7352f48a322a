#pragma once
// A persistent tap that someone else made (the shim, in the container's network namespace),
// attached by name before the jail: /dev/net/tun, TUNSETIFF with IFF_TAP | IFF_NO_PI |
// IFF_VNET_HDR, the 12-byte virtio-net header (TUNSETVNETHDRSZ), no offloads until the guest
// acks them. The fd stays bound to that namespace's device wherever the VMM goes afterwards.
// Once open, the only ioctl is TUNSETOFFLOAD (the device thread's seccomp role allows it).
#include <string>

#include "base/unique_fd.h"
#include "virtio/net_backend.h"

namespace ppc::vmm {

class TapBackend final : public NetBackend {
 public:
  // Throws Error unless name is a valid interface name (1 to 15 bytes; no '/', ':', '%' or
  // space; not "." or "..").
  static void check_name(const std::string& name);

  // Attaches to the existing tap `name` of the current network namespace. Throws Error when
  // there is no such interface, it is not a persistent tap, or another process holds it.
  explicit TapBackend(const std::string& name);

  std::string name() const override { return name_; }
  int fd() const override { return fd_.get(); }
  std::optional<size_t> read_frame(std::span<const iovec> iov) override;
  int write_frame(std::span<const iovec> iov) override;
  void set_offloads(unsigned tun_flags) override;

 private:
  std::string name_;
  UniqueFd fd_;
};

}  // namespace ppc::vmm
