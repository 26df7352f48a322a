#pragma once
// For tests: the driver's side of a virtio 1.x split queue, written by hand into guest RAM
// (independently of queue.cpp, which reads it) as the spec lays it out:
//   descriptor: {le64 addr, le32 len, le16 flags, le16 next}
//   avail ring: {le16 flags, le16 idx, le16 ring[size]}
//   used ring:  {le16 flags, le16 idx, {le32 id, le32 len}[size]}
#include <cstdint>
#include <vector>

#include "memory/guest_memory.h"
#include "virtio/queue.h"

namespace ppc::vmm {

// Writes descriptor i of the table at gpa `table` (a queue's table or an indirect one).
inline void write_descriptor(const GuestMemory& mem, uint64_t table, uint16_t i, uint64_t addr, uint32_t len,
                             uint16_t flags, uint16_t next = 0) {
  const uint64_t at = table + 16ull * i;
  mem.store_le32(at, static_cast<uint32_t>(addr));
  mem.store_le32(at + 4, static_cast<uint32_t>(addr >> 32));
  mem.store_le32(at + 8, len);
  mem.store_le16(at + 12, flags);
  mem.store_le16(at + 14, next);
}

// One buffer of a chain, as the driver describes it.
struct DriverBuffer {
  uint64_t gpa;
  uint32_t len;
  bool device_writes;  // VIRTQ_DESC_F_WRITE
};

// One queue's rings at fixed guest addresses.
struct FakeDriverRing {
  const GuestMemory& mem;
  uint64_t desc, avail, used;

  // As the transport does: the layout is written while the queue is not ready, then enabled.
  bool enable(Virtqueue& q, uint16_t size) const {
    q.reset();
    q.set_size(size);
    q.set_desc_table(desc);
    q.set_avail_ring(avail);
    q.set_used_ring(used);
    return q.enable();
  }

  void set_desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next = 0) const {
    write_descriptor(mem, desc, i, addr, len, flags, next);
  }

  // Puts head in the next available slot of a queue of `size` entries and publishes it.
  void make_available(uint16_t head, uint16_t size) const {
    const uint16_t idx = avail_idx();
    mem.store_le16(avail + 4 + 2ull * (idx % size), head);
    set_avail_idx(static_cast<uint16_t>(idx + 1));
  }

  // Describes buffers as one chain in descriptors first, first + 1, ... and makes it
  // available; returns its head.
  uint16_t post_chain(uint16_t first, const std::vector<DriverBuffer>& buffers, uint16_t size) const {
    for (size_t n = 0; n < buffers.size(); ++n) {
      const auto i = static_cast<uint16_t>(first + n);
      const bool last = n + 1 == buffers.size();
      const auto flags = static_cast<uint16_t>((buffers[n].device_writes ? Virtqueue::kDescWrite : 0) |
                                               (last ? 0 : Virtqueue::kDescNext));
      set_desc(i, buffers[n].gpa, buffers[n].len, flags, static_cast<uint16_t>(i + 1));
    }
    make_available(first, size);
    return first;
  }

  uint16_t avail_idx() const { return mem.load_le16(avail + 2); }
  void set_avail_idx(uint16_t idx) const { mem.store_le16(avail + 2, idx); }
  void set_avail_flags(uint16_t flags) const { mem.store_le16(avail, flags); }
  uint16_t used_idx() const { return mem.load_le16(used + 2); }
  uint32_t used_id(uint16_t slot) const { return mem.load_le32(used + 4 + 8ull * slot); }
  uint32_t used_len(uint16_t slot) const { return mem.load_le32(used + 8 + 8ull * slot); }
};

}  // namespace ppc::vmm
