#pragma once
// Where virtio-net's frames go and come from: one frame per call, each with its 12-byte
// virtio-net header in front. The tap (tap.h) is the real one; tests use a socket pair
// (fake_tap.h). Only the real backend makes ioctls.
#include <sys/uio.h>

#include <cstddef>
#include <optional>
#include <span>
#include <string>

namespace ppc::vmm {

class NetBackend {
 public:
  virtual ~NetBackend() = default;

  virtual std::string name() const = 0;  // for messages: the tap's name
  // Readable (EPOLLIN) while a frame waits.
  virtual int fd() const = 0;
  // Reads the next frame into iov. Returns its whole length, which is larger than the iov
  // when the frame did not fit (its tail is then lost), or nullopt when no frame waits.
  // Throws Error when the backend failed.
  virtual std::optional<size_t> read_frame(std::span<const iovec> iov) = 0;
  // Writes one frame; returns 0, or the errno with which the backend refused it.
  virtual int write_frame(std::span<const iovec> iov) = 0;
  // What the backend may hand over as partially checksummed or segmented frames (TUN_F_*).
  // Throws Error when it cannot.
  virtual void set_offloads(unsigned tun_flags) = 0;
};

}  // namespace ppc::vmm
