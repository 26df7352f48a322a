#pragma once
// virtio-net's receive path: frames from the backend straight into the driver's rx buffers
// (readv into guest RAM), one frame per read, with the header the backend wrote in front.
//
// Chains are popped from the rx queue and held until a frame fills them; the backend is read
// only when the held buffers can take any frame (with mergeable buffers: kMaxFrame and its
// header, spread over as many chains as it takes; without: the first chain). A frame larger
// than that is dropped and counted, never written past a buffer. When the driver has not
// posted enough, receive() stops without reading: the frame waits in the backend (bounded by
// the tap's own queue) until the driver posts more. Chains are held while fewer than the
// ring's descriptors are (a driver cannot have more buffers out), so a full ring is read into
// even when it is short of room: frames that fit get through, the others are dropped.
#include <cstdint>
#include <deque>
#include <vector>

#include "log.h"
#include "virtio/net_backend.h"
#include "virtio/queue.h"

namespace ppc::vmm {

class NetRx {
 public:
  enum class Stop {
    BackendEmpty,  // no frame waits: until the backend is readable again
    NoBuffers,     // the driver's buffers cannot take a frame: until it posts more
    Budget,        // max_frames moved: come back after other work
  };

  struct Counters {
    uint64_t frames = 0;      // delivered to the guest
    uint64_t bytes = 0;       // of those, headers included
    uint64_t merged = 0;      // frames spread over more than one buffer
    uint64_t dropped = 0;     // did not fit into the buffers
    uint64_t bad_chains = 0;  // chains the device cannot write a header into, returned unused
  };

  // mergeable: the driver acked MRG_RXBUF; guest_csum: it acked GUEST_CSUM (without it the
  // header's flags are cleared: the guest checks every checksum itself).
  void configure(bool mergeable, bool guest_csum);
  // Moves up to max_frames frames from backend to the queue. `used` becomes true when chains
  // went back to the driver (an interrupt is due). Throws QueueError for a malformed queue,
  // Error when the backend failed.
  Stop receive(Virtqueue& rx, NetBackend& backend, unsigned max_frames, bool& used);
  // Forgets the held chains (the device was reset).
  void clear();

  const Counters& counters() const { return counters_; }
  size_t held_chains() const { return held_.size(); }

 private:
  void top_up(Virtqueue& rx, bool& used);
  size_t gather();
  void deliver(Virtqueue& rx, size_t length);

  bool mergeable_ = false;
  bool guest_csum_ = false;
  std::deque<DescriptorChain> held_;  // popped, not yet used; at most the queue's size
  uint64_t held_bytes_ = 0;
  size_t held_buffers_ = 0;          // descriptors in held_
  std::vector<iovec> iov_;            // the next read's buffers
  std::vector<size_t> chain_bytes_;   // how much of each held chain iov_ covers
  Counters counters_;
  LimitedLog drops_{"virtio-net receive drop", 8};
};

}  // namespace ppc::vmm
