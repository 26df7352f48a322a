#pragma once
// virtio-net's transmit path: each chain the driver posts on tx is one frame, its 12-byte
// header in front, written to the backend in one writev straight from guest RAM. The header
// is copied first and checked (net_header.h), and the copy is what the backend gets, so the
// guest cannot change it between the check and the write. Malformed chains and frames the
// backend refuses are dropped and counted; every chain goes back to the driver.
#include <array>
#include <cstdint>
#include <vector>

#include "log.h"
#include "virtio/net_backend.h"
#include "virtio/net_header.h"
#include "virtio/queue.h"

namespace ppc::vmm {

class NetTx {
 public:
  struct Counters {
    uint64_t frames = 0;    // written to the backend
    uint64_t bytes = 0;     // of those, headers included
    uint64_t segmented = 0; // frames with a GSO header (TSO)
    uint64_t dropped = 0;   // malformed: device-writable parts, bad length or header
    uint64_t refused = 0;   // the backend's write failed
  };

  // Sends up to max_chains chains from tx to backend, given the features the driver acked.
  // `used` becomes true when chains went back to the driver. Returns true when it stopped
  // because of max_chains (more may wait). Throws QueueError for a malformed queue.
  bool transmit(Virtqueue& tx, NetBackend& backend, uint64_t acked, unsigned max_chains, bool& used);

  const Counters& counters() const { return counters_; }

 private:
  void send(const DescriptorChain& chain, NetBackend& backend, uint64_t acked);
  void drop(const NetBackend& backend, const std::string& why);

  std::array<uint8_t, net::kHeaderSize> header_{};
  std::vector<iovec> iov_;
  Counters counters_;
  LimitedLog drops_{"virtio-net transmit drop", 8};
};

}  // namespace ppc::vmm
