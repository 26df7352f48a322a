#pragma once
// For the device fuzzers (blk, rng, mmio): a hostile driver's side of one split queue, and a
// shadow of the device's queue that pops the same chains first, so that a fuzzer can state
// what the device must leave in guest RAM (a copy, changed as the spec says) and compare.
//
// Layout of guest RAM: the queue's rings below kIndirect, indirect tables from kIndirect,
// buffers from kBuffers. Descriptors usually point into the buffers, sometimes anywhere.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <span>
#include <vector>

#include "memory/guest_memory.h"
#include "virtio/fake_driver_ring.h"
#include "virtio/queue.h"
#include "fuzz_input.h"

namespace ppc::vmm::fuzz {

constexpr uint64_t kDesc = 0x0000, kAvail = 0x1000, kUsed = 0x2000;
constexpr uint64_t kIndirect = 0x3000;  // indirect tables, up to 256 descriptors
constexpr uint64_t kBuffers = 0x4000;


// What a fuzzer found broken: the message, then abort() so that libFuzzer keeps the input.
[[noreturn]] inline void fail(const char* fuzzer, const char* what) {
  std::fprintf(stderr, "%s: %s\n", fuzzer, what);
  std::abort();
}

// The driver's side: descriptors written from the input, published in the avail ring.
class HostileDriver {
 public:
  HostileDriver(const GuestMemory& mem, uint16_t size) : mem_(mem), ring_{mem, kDesc, kAvail, kUsed}, size_(size) {}

  uint16_t size() const { return size_; }
  bool enable(Virtqueue& q) const { return ring_.enable(q, size_); }

  // A chain of 1 to 4 descriptors described by the input: per descriptor a flags byte
  // (bit 0: device-writable, bit 1: arbitrary 64-bit address, bit 2: any 32-bit length,
  // bit 3: a `next` of the input's choosing, bit 4: INDIRECT to a table of them at kIndirect,
  // bit 5: a length that is a multiple of 512), a 16-bit address and a 16-bit length.
  void post_chain(Input& in) {
    const unsigned count = 1 + in.u8() % 4;
    const uint8_t first_flags = in.u8();
    const bool indirect = first_flags & 0x10;
    const uint16_t first = static_cast<uint16_t>(next_ % size_);
    const uint64_t table = indirect ? kIndirect : kDesc;
    const uint16_t start = indirect ? 0 : first;
    for (unsigned n = 0; n < count; ++n) {
      const uint8_t f = n == 0 ? first_flags : in.u8();
      const uint64_t addr = (f & 2) ? in.u64() : kBuffers + (uint64_t{in.u16()} * 8) % (mem_.size() - kBuffers);
      uint32_t len = (f & 4) ? in.u32() : in.u16() % 0x4000;
      if (f & 0x20) len = 512u * (len % 64);
      const uint16_t i = static_cast<uint16_t>((start + n) % (indirect ? 256 : size_));
      const bool last = n + 1 == count;
      uint16_t flags = static_cast<uint16_t>((f & 1) ? Virtqueue::kDescWrite : 0);
      if (!last) flags |= Virtqueue::kDescNext;
      const uint16_t next = (f & 8) ? in.u16() : static_cast<uint16_t>((i + 1) % (indirect ? 256 : size_));
      write_descriptor(mem_, table, i, addr, len, flags, next);
    }
    if (indirect) write_descriptor(mem_, kDesc, first, kIndirect, 16 * count, Virtqueue::kDescIndirect);
    next_ = static_cast<uint16_t>(indirect ? first + 1 : first + count);
    ring_.make_available(first, size_);
  }

  // A chain of given buffers in the next free descriptors (well-formed requests).
  void post_buffers(const std::vector<DriverBuffer>& buffers) {
    uint16_t first = static_cast<uint16_t>(next_ % size_);
    if (first + buffers.size() > size_) first = 0;
    ring_.post_chain(first, buffers, size_);
    next_ = static_cast<uint16_t>(first + buffers.size());
  }

  // The driver scribbles on its rings and tables, or sets the avail index to anything.
  void scribble(Input& in) {
    const uint8_t how = in.u8();
    const uint16_t where = in.u16(), value = in.u16();
    if (how & 1) ring_.set_avail_idx(static_cast<uint16_t>(ring_.avail_idx() + (how >> 1) % 8));
    else if (how & 2) ring_.set_avail_idx(value);
    else if (how & 4) ring_.set_avail_flags(value);
    else mem_.store_le16((where % kBuffers) & ~uint64_t{1}, value);
  }

  // After a device reset, the driver sets the queue up afresh: empty rings.
  void reset() {
    std::memset(mem_.host_base(), 0, kBuffers);
    next_ = 0;
  }

 private:
  const GuestMemory& mem_;
  FakeDriverRing ring_;
  uint16_t size_;
  uint16_t next_ = 0;
};

// The chains the device will pop on its next notification, popped first from a queue that
// shadows the device's (same layout, enabled at the same time, popped the same number of
// times). error: the walk ended in a QueueError, as the device's will, after `chains`.
struct Round {
  std::vector<DescriptorChain> chains;
  bool error = false;
};

inline Round pop_all(Virtqueue& shadow) {
  Round r;
  try {
    while (auto c = shadow.pop()) r.chains.push_back(std::move(*c));
  } catch (const QueueError&) {
    r.error = true;
  }
  return r;
}

// Whether any writable buffer of the round lies on the rings or tables: then the device's
// own writes change later chains under the shadow, and no exact statement is possible.
inline bool writes_on_rings(const GuestMemory& mem, const Round& r) {
  for (const auto& c : r.chains)
    for (const auto& s : c.writable)
      if (!s.empty() && static_cast<uint64_t>(s.data() - mem.host_base()) < kBuffers) return true;
  return false;
}

// A copy of guest RAM that the fuzzer changes as the device should change the real one.
class RamCopy {
 public:
  explicit RamCopy(const GuestMemory& mem) : mem_(mem), bytes_(mem.size()), ignore_(mem.size()) {}

  void take() {
    std::memcpy(bytes_.data(), mem_.host_base(), bytes_.size());
    if (any_ignored_) std::fill(ignore_.begin(), ignore_.end(), 0);
    any_ignored_ = false;
  }
  // [offset, offset + out.size()) of a chain's readable bytes, as the copy holds them.
  size_t read(const DescriptorChain& c, uint64_t offset, std::span<uint8_t> out) const {
    return walk(c.readable, offset, out.size(), [&](uint64_t at, size_t done, size_t n) {
      std::memcpy(out.data() + done, bytes_.data() + at, n);
    });
  }
  size_t write(const DescriptorChain& c, uint64_t offset, std::span<const uint8_t> in) {
    return walk(c.writable, offset, in.size(), [&](uint64_t at, size_t done, size_t n) {
      std::memcpy(bytes_.data() + at, in.data() + done, n);
    });
  }
  // Bytes whose value the fuzzer cannot know (random data): compared no more.
  void unknown(const DescriptorChain& c, uint64_t offset, size_t len) {
    walk(c.writable, offset, len, [&](uint64_t at, size_t, size_t n) { std::memset(ignore_.data() + at, 1, n); });
    any_ignored_ = true;
  }
  // The used element the device must add, and the index that publishes it.
  void used(uint16_t size, uint16_t& next_used, uint16_t head, uint32_t len) {
    store32(kUsed + 4 + 8ull * (next_used % size), head);
    store32(kUsed + 8 + 8ull * (next_used % size), len);
    ++next_used;
    bytes_[kUsed + 2] = static_cast<uint8_t>(next_used);
    bytes_[kUsed + 3] = static_cast<uint8_t>(next_used >> 8);
  }
  // True when guest RAM matches the copy wherever it is known.
  bool matches() const {
    const uint8_t* ram = mem_.host_base();
    if (std::memcmp(ram, bytes_.data(), bytes_.size()) == 0) return true;
    if (!any_ignored_) return false;
    for (size_t i = 0; i < bytes_.size(); ++i)
      if (ram[i] != bytes_[i] && !ignore_[i]) return false;
    return true;
  }

 private:
  template <typename Fn>
  size_t walk(const std::vector<std::span<uint8_t>>& spans, uint64_t offset, size_t len, Fn&& fn) const {
    size_t done = 0;
    for (const auto& s : spans) {
      if (done == len) break;
      if (offset >= s.size()) {
        offset -= s.size();
        continue;
      }
      const size_t n = std::min<size_t>(s.size() - offset, len - done);
      fn(static_cast<uint64_t>(s.data() - mem_.host_base()) + offset, done, n);
      done += n;
      offset = 0;
    }
    return done;
  }
  void store32(uint64_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes_[at + i] = static_cast<uint8_t>(v >> (8 * i));
  }

  const GuestMemory& mem_;
  std::vector<uint8_t> bytes_;
  std::vector<uint8_t> ignore_;
  bool any_ignored_ = false;
};

}  // namespace ppc::vmm::fuzz
