// libFuzzer target for what the guest controls in virtio-net: the rx and tx rings and the
// buffers and headers behind them, against a fake tap (a socket pair) that hands over frames
// of any size with any header.
//
// Input: four bytes of set-up (ring sizes, acked features), then operations of four bytes
// each (the driver posts rx or tx chains, scribbles on RAM or ring indices; the tap sends a
// frame; the device receives or transmits with a budget; a reset), then guest RAM's initial
// contents. The device must never crash or touch memory outside guest RAM; a malformed ring
// may only raise QueueError (then the rings are reset, as the transport would). Checked
// besides: every frame that reaches the tap has a length and header the guest was allowed to
// send; every frame the tap sent is delivered, dropped or still waiting; the device never
// holds more chains than the ring has.
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "base/error.h"
#include "memory/guest_memory.h"
#include "virtio/fake_driver_ring.h"
#include "virtio/fake_tap.h"
#include "virtio/net_header.h"
#include "virtio/net_rx.h"
#include "virtio/net_tx.h"
#include "virtio/queue.h"
#include "fuzz_input.h"

namespace {

using namespace ppc::vmm;
namespace net = ppc::vmm::net;

constexpr uint64_t kRam = 256 * 1024;
constexpr uint64_t kRxDesc = 0x0000, kRxAvail = 0x1000, kRxUsed = 0x2000;
constexpr uint64_t kTxDesc = 0x3000, kTxAvail = 0x4000, kTxUsed = 0x5000;
constexpr uint64_t kBuffers = 0x6000;  // descriptors usually point from here on
constexpr size_t kMaxOps = 64;
constexpr uint64_t kAckable = net::kFeatureCsum | net::kFeatureGuestCsum | net::kFeatureMrgRxbuf |
                              net::kFeatureHostTso4 | net::kFeatureHostTso6 | net::kFeatureGuestTso4 |
                              net::kFeatureGuestTso6;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "net_fuzzer: %s\n", what);
  std::abort();
}

using ppc::vmm::fuzz::Input;

struct Op {
  uint8_t kind, a, b, c;
  uint16_t ab() const { return static_cast<uint16_t>(a | (b << 8)); }
};

struct Rig {
  GuestMemory& mem;
  std::vector<Virtqueue> queues;
  FakeDriverRing rx{mem, kRxDesc, kRxAvail, kRxUsed};
  FakeDriverRing tx{mem, kTxDesc, kTxAvail, kTxUsed};
  uint16_t rx_size, tx_size;
  uint16_t next_rx_desc = 0, next_tx_desc = 0;

  void reset() {
    if (!rx.enable(queues[0], rx_size) || !tx.enable(queues[1], tx_size)) fail("a valid ring was refused");
    next_rx_desc = next_tx_desc = 0;
  }
};

// Where a chain of `count` descriptors goes in a table of `size`: the next free ones, wrapping
// to the start rather than running off the table (a driver reuses descriptors it got back;
// one that reuses them too early is what the scribbling operations play).
uint16_t place(uint16_t& next, uint16_t size, unsigned count) {
  uint16_t first = next % size;
  if (first + count > size) first = 0;
  next = static_cast<uint16_t>(first + count);
  return first;
}

// A buffer address: mostly in the buffer area, sometimes anywhere (even outside RAM).
uint64_t buffer_address(const Op& op) {
  if (op.c & 0x80) return uint64_t{op.ab()} * 64 + (static_cast<uint64_t>(op.c & 0x7f) << 24);
  return kBuffers + (uint64_t{op.ab()} * 16) % (kRam - kBuffers);
}

// The driver posts an rx chain of 1 to 3 descriptors, mostly device-writable.
void post_rx(Rig& rig, const Op& op) {
  std::vector<DriverBuffer> buffers;
  const unsigned count = std::min<unsigned>(1 + op.c % 3, rig.rx_size);
  for (unsigned i = 0; i < count; ++i) {
    const uint32_t len = (op.a & 1) ? 1536 : (op.b & 0x80) ? uint32_t{op.ab()} * 4 : op.ab() % 4096;
    buffers.push_back({buffer_address(op) + i * 4096ull, len, !(op.c & 0x40) || i > 0});
  }
  rig.rx.post_chain(place(rig.next_rx_desc, rig.rx_size, count), buffers, rig.rx_size);
}

// The driver posts a frame on tx: a header (a well-formed TSO one or bytes from the input,
// sometimes changed a little) and a frame, split over 1 to 3 descriptors.
void post_tx(Rig& rig, const Op& op, const uint8_t* noise) {
  std::array<uint8_t, net::kHeaderSize> header{0x01, 0x01, 54, 0, 0xa8, 0x05, 34, 0, 16, 0, 0, 0};
  if (op.c & 1) std::memcpy(header.data(), noise, header.size());
  else if (op.c & 2) header[op.a % header.size()] ^= op.b;
  const uint64_t at = buffer_address(op);
  const uint32_t frame = (op.c & 4) ? op.ab() % 2048 : uint32_t{op.ab()} + (op.c & 8 ? 0 : 8);
  if (!rig.mem.contains(at, header.size() + frame)) return;
  rig.mem.write(at, header);
  const uint32_t total = static_cast<uint32_t>(header.size() + frame);
  const unsigned count = std::min<unsigned>(1 + (op.c >> 4) % 3, rig.tx_size);
  std::vector<DriverBuffer> buffers;
  uint32_t done = 0;
  for (unsigned i = 0; i < count; ++i) {
    const uint32_t len = i + 1 == count ? total - done : std::min<uint32_t>(total - done, 5 + 7 * (op.b % 9));
    buffers.push_back({at + done, len, (op.c & 0x40) && i + 1 == count});
    done += len;
  }
  rig.tx.post_chain(place(rig.next_tx_desc, rig.tx_size, count), buffers, rig.tx_size);
}

// What the device wrote to the tap: each frame must be one the guest may send.
void check_sent(int peer, uint64_t acked) {
  static std::vector<uint8_t> buf(net::kHeaderSize + net::kMaxFrame + 64);
  for (;;) {
    const ssize_t n = ::recv(peer, buf.data(), buf.size(), MSG_DONTWAIT);
    if (n < 0) return;
    const size_t len = static_cast<size_t>(n);
    if (len < net::kHeaderSize + net::kEthernetHeader || len > net::kHeaderSize + net::kMaxFrame)
      fail("a frame of a refused length reached the tap");
    const auto header = net::Header::decode(std::span<const uint8_t, net::kHeaderSize>(buf.data(), net::kHeaderSize));
    if (net::tx_header_problem(header, len - net::kHeaderSize, acked)) fail("a refused header reached the tap");
  }
}

// The tap hands over a frame: its header from the input, then `len` bytes.
bool tap_sends(int peer, const Op& op, const uint8_t* noise) {
  static std::vector<uint8_t> frame(net::kHeaderSize + net::kMaxFrame + 64);
  size_t len = net::kHeaderSize + ((op.c & 1) ? op.ab() % 2048 : op.ab());
  if (op.c & 2) len = net::kHeaderSize + net::kMaxFrame - (op.a % 4);
  std::memcpy(frame.data(), noise, net::kHeaderSize);
  std::memset(frame.data() + net::kHeaderSize, op.c, len - net::kHeaderSize);
  return ::send(peer, frame.data(), len, MSG_DONTWAIT) == static_cast<ssize_t>(len);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static GuestMemory mem(kRam);
  // Kept across inputs so that their limited logs stay quiet; cleared for each input.
  static NetRx rx;
  static NetTx tx;
  Input in(data, size);

  const uint8_t sizes = in.u8();
  const uint8_t features = in.u8();
  uint64_t acked = 0;
  for (unsigned bit = 0; bit < 8; ++bit)
    if (features & (1u << bit)) acked |= (uint64_t{1} << std::array<unsigned, 8>{0, 1, 15, 11, 12, 7, 8, 0}[bit]);
  acked &= kAckable;
  const size_t nops = std::min<size_t>(in.u8(), kMaxOps);
  const uint8_t noise_at = in.u8();
  std::array<Op, kMaxOps> ops{};
  for (size_t i = 0; i < nops; ++i) ops[i] = {in.u8(), in.u8(), in.u8(), in.u8()};
  std::memset(mem.host_base(), 0, kRam);
  std::memcpy(mem.host_base(), in.rest(), std::min<size_t>(in.left(), kRam));
  // Bytes for headers: from the input's RAM image.
  const uint8_t* noise = mem.host_base() + (noise_at * 16) % (kRam - 16);

  Rig rig{mem, {Virtqueue(mem), Virtqueue(mem)}};
  rig.rx_size = static_cast<uint16_t>(1u << (1 + sizes % 8));        // 2 to 256
  rig.tx_size = static_cast<uint16_t>(1u << (1 + (sizes >> 4) % 8));
  rig.reset();
  auto [tap, peer] = make_fake_tap(std::make_shared<FakeTapRecord>());
  rx.clear();
  rx.configure(acked & net::kFeatureMrgRxbuf, acked & net::kFeatureGuestCsum);
  const NetRx::Counters before = rx.counters();
  uint64_t sent = 0;

  for (size_t i = 0; i < nops; ++i) {
    const Op& op = ops[i];
    try {
      switch (op.kind % 9) {
        case 0: case 1: post_rx(rig, op); break;
        case 2: post_tx(rig, op, noise); break;
        case 3: if (tap_sends(peer.get(), op, noise)) ++sent; break;
        case 4: {
          bool used = false;
          rx.receive(rig.queues[0], *tap, 1 + op.a % 8, used);
          if (rx.held_chains() > rig.rx_size) fail("holds more chains than the ring has");
          break;
        }
        case 5: {
          bool used = false;
          tx.transmit(rig.queues[1], *tap, acked, 1 + op.a % 16, used);
          check_sent(peer.get(), acked);
          break;
        }
        case 6:  // the driver scribbles on RAM: rings, descriptors, buffers
          mem.store_le16(buffer_address(op) % (kRam - 2) & ~uint64_t{1}, static_cast<uint16_t>(op.c * 257));
          break;
        case 7:  // or sets an available index to anything
          mem.store_le16((op.c & 1 ? kTxAvail : kRxAvail) + 2, op.ab());
          break;
        case 8:
          rx.clear();
          rig.reset();
          break;
      }
    } catch (const QueueError&) {
      // What a malformed ring must do: the transport resets the device.
      rx.clear();
      rig.reset();
    } catch (const ppc::Error& e) {
      std::fprintf(stderr, "net_fuzzer: %s\n", e.what());
      fail("an error other than QueueError");
    }
  }
  check_sent(peer.get(), acked);
  // Every frame the tap sent was delivered, dropped, or still waits in it.
  uint64_t waiting = 0;
  while (::recv(tap->fd(), nullptr, 0, MSG_DONTWAIT | MSG_TRUNC) >= 0) ++waiting;
  const NetRx::Counters& after = rx.counters();
  if ((after.frames - before.frames) + (after.dropped - before.dropped) + waiting != sent)
    fail("frames from the tap went missing");
  return 0;
}
