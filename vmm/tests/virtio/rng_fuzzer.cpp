// libFuzzer target for virtio-rng: a hostile driver posts descriptor chains of any layout
// (any addresses, lengths, flags, indirect tables, loops) and notifies.
//
// Input: a queue-size byte and an operation count, then operations (post a chain, scribble on
// the rings, notify, reset), then the initial contents of the buffer area. Must hold: no
// crash; a malformed queue only raises QueueError; each used chain reports exactly
// min(its writable bytes, 64 KiB), the per-request bound; nothing in guest RAM changes but
// those random bytes and the used ring (checked against a copy of RAM); an interrupt follows
// every notification that used a chain. Work per input is bounded by the operation count and
// the 64 KiB per chain.
#include <cstdint>
#include <cstring>
#include <vector>

#include "memory/guest_memory.h"
#include "virtio/fuzz_driver.h"
#include "virtio/queue.h"
#include "virtio/rng.h"

namespace {

using namespace ppc::vmm;
using namespace ppc::vmm::fuzz;

constexpr uint64_t kRam = 160 * 1024;
constexpr size_t kMaxOps = 48;
constexpr uint32_t kMaxPerRequest = 64 * 1024;  // the bound virtio-rng promises per request

[[noreturn]] void fail(const char* what) { fuzz::fail("rng_fuzzer", what); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static GuestMemory mem(kRam);
  static RamCopy copy(mem);
  Input in(data, size);
  const uint16_t qsize = static_cast<uint16_t>(1u << (in.u8() % 9));  // 1 to 256
  const size_t nops = std::min<size_t>(in.u8(), kMaxOps);
  std::memset(mem.host_base(), 0, kRam);

  std::vector<Virtqueue> queues{Virtqueue(mem)};
  Virtqueue shadow(mem);
  HostileDriver driver(mem, qsize);
  if (!driver.enable(queues[0]) || !driver.enable(shadow)) fail("a valid ring was refused");
  RngDevice rng;
  std::vector<uint16_t> interrupts;
  rng.activate(queues, 0, [&](uint16_t q) { interrupts.push_back(q); });
  uint16_t next_used = 0;

  // Operations are read from the front of the rest of the input as they run; the buffers get
  // its second half now, so that their contents matter from the first operation.
  const size_t tail = std::min<size_t>(in.left() / 2, kRam - kBuffers);
  std::memcpy(mem.host_base() + kBuffers, in.rest() + (in.left() - tail), tail);

  for (size_t op = 0; op < nops; ++op) {
    switch (in.u8() % 6) {
      case 0: case 1: driver.post_chain(in); break;
      case 2: driver.scribble(in); break;
      case 3: case 4: {
        copy.take();
        Round round = pop_all(shadow);
        const bool exact = !writes_on_rings(mem, round);
        for (const auto& c : round.chains) {
          const uint32_t want = static_cast<uint32_t>(std::min<uint64_t>(c.writable_bytes(), kMaxPerRequest));
          copy.unknown(c, 0, want);
          copy.used(qsize, next_used, c.head, want);
        }
        interrupts.clear();
        bool threw = false;
        try {
          rng.queue_notify(0);
        } catch (const QueueError&) {
          threw = true;
        }
        if (threw != round.error && exact) fail("the device and its shadow disagree on a malformed chain");
        if (exact && !copy.matches()) fail("guest RAM differs from what the requests allow");
        if (!threw && interrupts != std::vector<uint16_t>(round.chains.empty() ? 0 : 1, 0))
          fail("interrupt missing or spurious");
        if (threw || !exact) {
          // As the transport does after NEEDS_RESET (or to resynchronise the shadow).
          rng.reset();
          driver.reset();
          next_used = 0;
          if (!driver.enable(queues[0]) || !driver.enable(shadow)) fail("a valid ring was refused");
          rng.activate(queues, 0, [&](uint16_t q) { interrupts.push_back(q); });
        }
        break;
      }
      case 5:
        rng.queue_notify(1);  // a queue rng does not have: nothing happens
        break;
    }
  }
  return 0;
}
