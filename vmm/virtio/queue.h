#pragma once
// A virtio 1.x split virtqueue, device side. Every address, length, index and descriptor
// chain comes from the guest and is checked against guest memory before use; a malformed
// queue raises QueueError, after which the transport puts the device into NEEDS_RESET.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/error.h"
#include "memory/guest_memory.h"
#include "snapshot/device_state.h"

namespace ppc::vmm {

class QueueError : public Error {
 public:
  using Error::Error;
};

// One buffer chain the driver made available: what the device may read (driver to device),
// then what it may write (device to driver), as spans into guest RAM.
struct DescriptorChain {
  uint16_t head = 0;
  std::vector<std::span<uint8_t>> readable;
  std::vector<std::span<uint8_t>> writable;
  uint64_t readable_bytes() const;
  uint64_t writable_bytes() const;
  // Gathers up to out.size() readable bytes starting at offset; returns how many.
  size_t read(uint64_t offset, std::span<uint8_t> out) const;
  // Scatters in into the writable buffers starting at offset; returns how many fitted.
  size_t write(uint64_t offset, std::span<const uint8_t> in) const;
};

class Virtqueue {
 public:
  static constexpr uint16_t kMaxSize = 256;
  static constexpr uint16_t kDescNext = 1, kDescWrite = 2, kDescIndirect = 4;
  static constexpr uint64_t kFeatureEventIdx = 1ull << 29;  // VIRTIO_F_EVENT_IDX

  explicit Virtqueue(const GuestMemory& mem, uint16_t max_size = kMaxSize) : mem_(&mem), max_size_(max_size) {}

  // Driver configuration, written through the transport while the queue is not ready.
  uint16_t max_size() const { return max_size_; }
  void set_size(uint16_t size) { size_ = size; }
  uint16_t size() const { return size_; }
  void set_desc_table(uint64_t gpa) { desc_ = gpa; }
  void set_avail_ring(uint64_t gpa) { avail_ = gpa; }
  void set_used_ring(uint64_t gpa) { used_ = gpa; }
  uint64_t desc_table() const { return desc_; }
  uint64_t avail_ring() const { return avail_; }
  uint64_t used_ring() const { return used_; }

  // QueueReady = 1: checks size and ring placement; false (queue stays not ready) when invalid.
  bool enable();
  bool ready() const { return ready_; }
  void reset();
  // The driver acked EVENT_IDX: notifications and interrupts are suppressed by the event
  // indices at the rings' ends (used_event, avail_event) instead of the rings' flags. A
  // negotiated feature, not ring state: reset() keeps it; the transport sets it at activation.
  void set_event_idx(bool on) { event_idx_ = on; }

  // A snapshot's view of the queue (layout, positions, notification state), and back: a
  // ready queue's ring must pass enable()'s checks again (Error naming what is wrong).
  QueueState state() const;
  void restore(const QueueState& state);

  // The next chain the driver made available, or nullopt. Throws QueueError when the ring
  // index or a descriptor is malformed (out of RAM, loop, too long, bad indirect table).
  // With EVENT_IDX, finding the ring empty asks the driver to notify at its next buffer: a
  // device that stops popping before then gets no notification and must come back by itself.
  std::optional<DescriptorChain> pop();
  // How many buffers the driver has made available since the ring was set up (modulo 2^16),
  // consumed or not; 0 for a queue that is not ready.
  uint16_t available_index() const;
  // The used index as the ring holds it (written by whoever serves the queue: this VMM or an
  // external backend); 0 for a queue that is not ready.
  uint16_t used_index_in_ring() const;
  // available_index(), and with EVENT_IDX it also asks the driver to notify when it makes the
  // next one available. For a device that waits for the driver to post a buffer without popping.
  uint16_t watch_available();
  // Returns a chain to the driver with the number of bytes written into it.
  void push(uint16_t head, uint32_t written);
  // push() in two steps, for a packet spread over several chains that the driver must see
  // all at once (virtio-net's mergeable receive buffers): add_used() fills the next used
  // element, publish_used() makes every element added so far visible. Only chains popped and
  // not yet returned may be added, so the elements never overrun the ring.
  void add_used(uint16_t head, uint32_t written);
  void publish_used();
  // Whether the used buffers published since the last call deserve an interrupt: unless the
  // driver asked for none (VRING_AVAIL_F_NO_INTERRUPT), or with EVENT_IDX when the used index
  // passed the driver's used_event. Call it once per interrupt raised.
  bool should_notify();

 private:
  uint64_t desc_addr(uint16_t index) const { return desc_ + 16ull * index; }
  void walk(DescriptorChain& chain, uint64_t table, uint32_t table_size, uint16_t first, bool indirect, uint32_t& budget) const;

  const GuestMemory* mem_;
  uint16_t max_size_;
  uint16_t size_ = 0;
  uint64_t desc_ = 0, avail_ = 0, used_ = 0;
  bool ready_ = false;
  uint16_t next_avail_ = 0;  // next entry of the available ring to consume
  uint16_t next_used_ = 0;   // next entry of the used ring to fill
  uint16_t published_used_ = 0;  // the used index the driver sees
  bool event_idx_ = false;
  uint16_t signalled_used_ = 0;   // published_used_ when should_notify last ran
  bool signalled_valid_ = false;  // false until should_notify first ran since enable()
};

}  // namespace ppc::vmm
