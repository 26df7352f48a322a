// libFuzzer target for the split virtqueue: a hostile driver owns all of guest RAM.
//
// Input: a header choosing the queue size, the ring placement (valid, or any 64-bit address), EVENT_IDX
// and a list of driver/device operations; everything after it is guest RAM's initial
// contents. The device side must never crash, hang or touch memory outside the mapping; a
// malformed queue may only raise QueueError. Work per input is bounded (operations, bytes
// copied per chain), so that slow inputs are real findings.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "memory/guest_memory.h"
#include "virtio/queue.h"
#include "fuzz_input.h"

namespace {

using ppc::vmm::DescriptorChain;
using ppc::vmm::GuestMemory;
using ppc::vmm::QueueError;
using ppc::vmm::Virtqueue;

constexpr uint64_t kRam = 64 * 1024;
constexpr size_t kMaxOps = 128;
constexpr uint64_t kCopyBudget = 1 << 20;  // bytes read()/write() may move per input
constexpr unsigned kMaxPops = 256;          // chains popped per input (each walks <= 4096 descriptors)

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "queue_fuzzer: %s\n", what);
  std::abort();
}

using ppc::vmm::fuzz::Input;

struct Config {
  uint16_t size = 0;
  uint64_t desc = 0, avail = 0, used = 0;
  bool event_idx = false;  // the driver acked EVENT_IDX: pop() and should_notify() use the event fields
};

// An independent statement of what enable() must accept.
bool layout_valid(const GuestMemory& mem, uint16_t max_size, const Config& c) {
  if (c.size == 0 || c.size > max_size || (c.size & (c.size - 1))) return false;
  if (c.desc % 16 || c.avail % 2 || c.used % 4) return false;
  auto fits = [&](uint64_t gpa, uint64_t len) { return gpa <= mem.size() && len <= mem.size() - gpa; };
  return fits(c.desc, 16ull * c.size) && fits(c.avail, 6 + 2ull * c.size) && fits(c.used, 6 + 8ull * c.size);
}

// A ring address: usually a valid, aligned one low in RAM (where the input's bytes land),
// sometimes anything at all.
uint64_t ring_address(Input& in, bool arbitrary, uint64_t align) {
  if (arbitrary) return in.u64();
  return (in.u8() % 64) * 64 + (in.u8() % 4) * align;
}

void enable(Virtqueue& q, const GuestMemory& mem, const Config& c) {
  q.reset();
  q.set_size(c.size);
  q.set_desc_table(c.desc);
  q.set_avail_ring(c.avail);
  q.set_used_ring(c.used);
  const bool ok = q.enable();
  if (ok != layout_valid(mem, q.max_size(), c)) fail("enable() disagrees with the virtio layout rules");
  if (ok != q.ready()) fail("ready() disagrees with enable()");
  q.set_event_idx(c.event_idx);
}

void check_spans(const GuestMemory& mem, const std::vector<std::span<uint8_t>>& spans) {
  const uint8_t* lo = mem.host_base();
  const uint8_t* hi = lo + mem.size();
  for (const auto& s : spans) {
    if (s.data() < lo || s.data() > hi || s.size() > static_cast<size_t>(hi - s.data()))
      fail("a descriptor span lies outside guest RAM");
  }
}

// Gathers [offset, offset + n) of spans by hand, to check read() against.
size_t gather(const std::vector<std::span<uint8_t>>& spans, uint64_t offset, uint8_t* out, size_t n) {
  size_t done = 0;
  for (const auto& s : spans) {
    if (done == n) break;
    if (offset >= s.size()) {
      offset -= s.size();
      continue;
    }
    for (uint64_t i = offset; i < s.size() && done < n; ++i) out[done++] = s[i];
    offset = 0;
  }
  return done;
}

// Reads and writes the whole chain in chunks while the per-input budget lasts, then only
// its last chunk; checks what read() returns against a hand-made gather.
void exercise(const DescriptorChain& chain, const GuestMemory& mem, uint64_t& budget, uint8_t pattern) {
  check_spans(mem, chain.readable);
  check_spans(mem, chain.writable);
  constexpr size_t kChunk = 4096;
  static std::array<uint8_t, kChunk> buf, expect, src;
  std::fill(src.begin(), src.end(), pattern);

  const uint64_t rbytes = chain.readable_bytes();
  const uint64_t wbytes = chain.writable_bytes();
  if (rbytes > (1ull << 30) || wbytes > (1ull << 30) || rbytes + wbytes > (1ull << 30))
    fail("chain longer than the 1 GiB budget");

  // Whole chunks while the budget lasts; then the tail (while budget remains), the very end
  // and past the end, which must all behave.
  auto windows = [&](uint64_t total, auto&& fn) {
    uint64_t off = 0;
    for (; off < total && budget >= kChunk; off += kChunk, budget -= kChunk) fn(off);
    if (off < total && budget > 0) {
      fn(total > kChunk ? total - kChunk : 0);
      budget -= std::min<uint64_t>(budget, kChunk);
    }
    fn(total);
    fn(total + 1 + pattern);
  };
  windows(rbytes, [&](uint64_t off) {
    const size_t want = off < rbytes ? static_cast<size_t>(std::min<uint64_t>(kChunk, rbytes - off)) : 0;
    const size_t got = chain.read(off, buf);
    if (got != want) fail("read() returned the wrong count");
    if (gather(chain.readable, off, expect.data(), got) != got || std::memcmp(buf.data(), expect.data(), got))
      fail("read() returned the wrong bytes");
  });
  windows(wbytes, [&](uint64_t off) {
    const size_t want = off < wbytes ? static_cast<size_t>(std::min<uint64_t>(kChunk, wbytes - off)) : 0;
    if (chain.write(off, src) != want) fail("write() returned the wrong count");
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static GuestMemory mem(kRam);
  Input in(data, size);

  const uint8_t size_byte = in.u8();
  const uint8_t max_byte = in.u8();
  const uint8_t mode = in.u8();
  const size_t nops = std::min<size_t>(in.u8(), kMaxOps);

  const uint16_t max_size = (max_byte & 0x80) ? Virtqueue::kMaxSize : static_cast<uint16_t>(1u << (max_byte % 9));
  Config c;
  // Mostly a power of two up to 512 (one step over kMaxSize), sometimes any 16-bit value.
  c.size = (size_byte & 0x80) ? in.u16() : static_cast<uint16_t>(1u << (size_byte % 10));
  if ((size_byte & 0x80) && (size_byte & 0x40)) c.size = 0;
  c.desc = ring_address(in, mode & 1, 16);
  c.avail = ring_address(in, mode & 2, 2);
  c.used = ring_address(in, mode & 4, 4);
  c.event_idx = mode & 8;

  // The operations, then guest RAM.
  std::array<uint8_t, kMaxOps * 4> ops{};
  for (size_t i = 0; i < nops * 4; ++i) ops[i] = in.u8();
  std::memset(mem.host_base(), 0, kRam);
  std::memcpy(mem.host_base(), in.rest(), std::min<size_t>(in.left(), kRam));

  Virtqueue q(mem, max_size);
  enable(q, mem, c);
  if (!q.ready()) {
    // Nothing may come out of a queue that is not ready.
    if (q.pop().has_value() || q.should_notify()) fail("a queue that is not ready produced work");
    return 0;
  }

  uint64_t copy_budget = kCopyBudget;
  unsigned pops = 0;
  for (size_t i = 0; i < nops; ++i) {
    const uint8_t op = ops[4 * i];
    const uint8_t a = ops[4 * i + 1], b = ops[4 * i + 2], d = ops[4 * i + 3];
    const uint16_t ab = static_cast<uint16_t>(a | (b << 8));
    switch (op % 8) {
      case 0:
      case 1:
      case 2: {  // the device: pop everything (at most a queue's worth), use it, return it
        for (unsigned n = 0; n <= q.size() && pops < kMaxPops; ++n, ++pops) {
          try {
            auto chain = q.pop();
            if (!chain) break;
            exercise(*chain, mem, copy_budget, d);
            q.push(chain->head, static_cast<uint32_t>(std::min<uint64_t>(chain->writable_bytes(), ab)));
          } catch (const QueueError&) {
            // What a malformed queue must do; the transport would now ask for a reset.
            if (op & 0x80) return 0;
            enable(q, mem, c);
            break;
          }
        }
        break;
      }
      case 3:  // the driver publishes more (or fewer) buffers
        mem.store_le16(c.avail + 2, static_cast<uint16_t>(mem.load_le16(c.avail + 2) + (a % 8)));
        break;
      case 4:  // the driver sets the avail index to anything
        mem.store_le16(c.avail + 2, ab);
        break;
      case 5:  // the driver scribbles on RAM (descriptors, ring entries, flags)
        mem.store_le16(ab % (kRam - 1), static_cast<uint16_t>(d | (a << 8)));
        break;
      case 6:
        (void)q.should_notify();
        q.push(ab, d);  // the device returns any head: only the used ring is written
        break;
      case 7:  // reset and set up again, sometimes with another size
        if (a & 1) c.size = static_cast<uint16_t>(1u << (b % 10));
        enable(q, mem, c);
        if (!q.ready()) return 0;
        break;
    }
  }
  return 0;
}
