#include "virtio/net.h"

#include <gtest/gtest.h>
#include <linux/if_tun.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "loop_thread_for_tests.h"
#include "memory/guest_memory.h"
#include "virtio/fake_driver_ring.h"
#include "virtio/fake_tap.h"
#include "virtio/net_header.h"

namespace ppc::vmm {
namespace {

using Bytes = std::vector<uint8_t>;
using namespace net;

constexpr NetDevice::Mac kMac{0x02, 0x00, 0x0a, 0x00, 0x02, 0x0f};
constexpr uint64_t kRam = 4 << 20;
constexpr uint64_t kRxBuffers = 0x10000;   // rx buffers from here (kBufferStride apart)
constexpr uint64_t kTxBuffers = 0x200000;  // tx buffers from here
constexpr uint64_t kBufferStride = 0x1000;
constexpr uint8_t kUntouched = 0xa5;
constexpr uint64_t kMergeable = kFeatureMrgRxbuf | kFeatureGuestCsum;
constexpr uint64_t kHostOffloads = kFeatureCsum | kFeatureHostTso4;

// A frame as the tap hands it over: a header with these flags, then `len` bytes from seed.
Bytes tap_frame(size_t len, uint8_t seed, uint8_t flags = 0) {
  Bytes f(kHeaderSize + len);
  f[0] = flags;
  for (size_t i = 0; i < len; ++i) f[kHeaderSize + i] = static_cast<uint8_t>(seed + i * 7);
  return f;
}

Bytes header_bytes(const Header& h) {
  return {h.flags, h.gso_type, static_cast<uint8_t>(h.hdr_len), static_cast<uint8_t>(h.hdr_len >> 8),
          static_cast<uint8_t>(h.gso_size), static_cast<uint8_t>(h.gso_size >> 8),
          static_cast<uint8_t>(h.csum_start), static_cast<uint8_t>(h.csum_start >> 8),
          static_cast<uint8_t>(h.csum_offset), static_cast<uint8_t>(h.csum_offset >> 8), 0, 0};
}

Header tso4_header() {
  Header h;
  h.flags = kFlagNeedsCsum;
  h.gso_type = kGsoTcpV4;
  h.hdr_len = 54;
  h.gso_size = 1448;
  h.csum_start = 34;
  h.csum_offset = 16;
  return h;
}

class NetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::memset(mem.host_base() + kRxBuffers, kUntouched, kRam - kRxBuffers);
    auto [tap, end] = make_fake_tap(record);
    peer = std::move(end);
    device = std::make_unique<NetDevice>(loop, std::move(tap), kMac, 1400);
    thread.emplace(loop);
  }
  void TearDown() override {
    thread.reset();  // the device leaves the loop while it does not run
    device.reset();
  }

  void on_loop(const std::function<void()>& fn) { loop.run_and_wait(fn); }

  void activate(uint64_t features, uint16_t rx_size = 64, uint16_t tx_size = 16) {
    on_loop([&] {
      ASSERT_TRUE(rx.enable(queues[0], rx_size));
      ASSERT_TRUE(tx.enable(queues[1], tx_size));
      device->activate(queues, features | kVirtioFVersion1, [this](uint16_t q) {
        std::lock_guard lock(mu);
        interrupts.push_back(q);
      });
    });
    rx_size_ = rx_size;
    tx_size_ = tx_size;
  }
  void notify(uint16_t queue) {
    on_loop([&] { device->queue_notify(queue); });
  }
  bool reading() {
    bool r = false;
    on_loop([&] { r = device->reading_backend(); });
    return r;
  }
  unsigned interrupts_on(uint16_t queue) {
    std::lock_guard lock(mu);
    return static_cast<unsigned>(std::count(interrupts.begin(), interrupts.end(), queue));
  }

  // Receive buffer n: one writable descriptor n of `len` bytes at kRxBuffers + n * stride.
  static uint64_t rx_gpa(uint16_t n) { return kRxBuffers + n * kBufferStride; }
  void post_rx(uint16_t n, uint32_t len = 1536) { rx.post_chain(n % rx_size_, {{rx_gpa(n), len, true}}, rx_size_); }

  // The "tap" hands over a frame; the loop gets to it.
  void tap_sends(const Bytes& frame) {
    ASSERT_EQ(::send(peer.get(), frame.data(), frame.size(), MSG_DONTWAIT), static_cast<ssize_t>(frame.size()));
    settle(loop);
  }
  // The next frame the device wrote to the tap, if any.
  std::optional<Bytes> tap_received() {
    Bytes buf(kHeaderSize + kMaxFrame + 16);
    const ssize_t n = ::recv(peer.get(), buf.data(), buf.size(), MSG_DONTWAIT);
    if (n < 0) return std::nullopt;
    buf.resize(static_cast<size_t>(n));
    return buf;
  }

  Bytes guest_bytes(uint64_t gpa, size_t len) const {
    return Bytes(mem.host_base() + gpa, mem.host_base() + gpa + len);
  }
  // A tx chain: the header in one descriptor, the frame in the next (as Linux may lay it out).
  uint16_t post_tx(uint16_t first, const Bytes& header, const Bytes& frame) {
    const uint64_t gpa = kTxBuffers + first * 0x11000ull;
    mem.write(gpa, header);
    mem.write(gpa + 0x100, frame);
    return tx.post_chain(first, {{gpa, static_cast<uint32_t>(header.size()), false},
                                 {gpa + 0x100, static_cast<uint32_t>(frame.size()), false}}, tx_size_);
  }

  GuestMemory mem{kRam};
  std::vector<Virtqueue> queues{Virtqueue(mem), Virtqueue(mem)};
  FakeDriverRing rx{mem, 0x1000, 0x2000, 0x3000};
  FakeDriverRing tx{mem, 0x4000, 0x5000, 0x6000};
  uint16_t rx_size_ = 64, tx_size_ = 16;
  EventLoop loop;
  std::shared_ptr<FakeTapRecord> record = std::make_shared<FakeTapRecord>();
  UniqueFd peer;
  std::unique_ptr<NetDevice> device;
  std::optional<LoopThread> thread;  // last: stopped first
  std::mutex mu;
  std::vector<uint16_t> interrupts;
};

// ---- What the driver sees before it runs ------------------------------------------------

TEST(NetDeviceSetup, FeaturesConfigSpaceAndQueues) {
  EventLoop loop;
  auto make = [&](uint16_t mtu) {
    auto [tap, end] = make_fake_tap(std::make_shared<FakeTapRecord>());
    return std::make_unique<NetDevice>(loop, std::move(tap), kMac, mtu);
  };
  const auto with_mtu = make(9000);
  EXPECT_EQ(with_mtu->device_id(), 1u);
  EXPECT_EQ(with_mtu->queue_count(), 2u);
  const uint64_t always = kFeatureMac | kFeatureMrgRxbuf | kFeatureCsum | kFeatureGuestCsum | kFeatureHostTso4 |
                          kFeatureHostTso6 | kFeatureGuestTso4 | kFeatureGuestTso6;
  EXPECT_EQ(with_mtu->features(), always | kFeatureMtu);
  EXPECT_EQ(make(0)->features(), always) << "no MTU feature without an MTU";

  std::array<uint8_t, 16> config{};
  config.fill(0xee);
  with_mtu->read_config(0, config);
  const std::array<uint8_t, 16> want{0x02, 0x00, 0x0a, 0x00, 0x02, 0x0f, 0, 0, 1, 0, 0x28, 0x23, 0, 0, 0, 0};
  EXPECT_EQ(config, want) << "mac, status 0, one queue pair, mtu 9000 (LE), then zeros";
  std::array<uint8_t, 2> mtu{};
  with_mtu->read_config(10, mtu);
  EXPECT_EQ(mtu, (std::array<uint8_t, 2>{0x28, 0x23}));
  std::array<uint8_t, 4> far{1, 1, 1, 1};
  with_mtu->read_config(~uint64_t{0} - 1, far);
  EXPECT_EQ(far, (std::array<uint8_t, 4>{})) << "an offset that wraps around reads zeros";
}

TEST_F(NetTest, ActivationSetsTheTapOffloadsFromTheAckedFeatures) {
  const std::pair<uint64_t, unsigned> cases[] = {
      {0, 0u},
      {kFeatureGuestCsum, unsigned{TUN_F_CSUM}},
      {kFeatureGuestCsum | kFeatureGuestTso4 | kFeatureGuestTso6 | kFeatureMrgRxbuf,
       unsigned{TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6}},
      {kFeatureGuestTso4 | kFeatureCsum | kFeatureHostTso4, 0u},
  };
  for (const auto& [features, offloads] : cases) {
    activate(features);
    {
      std::lock_guard lock(record->mu);
      ASSERT_FALSE(record->offloads.empty());
      EXPECT_EQ(record->offloads.back(), offloads) << "features " << std::hex << features;
    }
    EXPECT_TRUE(reading());
    on_loop([&] { device->reset(); });
    EXPECT_FALSE(reading()) << "a reset device reads nothing";
  }
}

TEST_F(NetTest, ATapThatRefusesOffloadsIsNotRead) {
  record->refuse_offloads = true;
  activate(kMergeable);
  tap_sends(tap_frame(60, 1));
  EXPECT_FALSE(reading());
  EXPECT_EQ(record->reads, 0u);
}

// ---- Receive ------------------------------------------------------------------------------

TEST_F(NetTest, FrameIntoOneBufferWithoutMergeableBuffers) {
  post_rx(0, 1600);
  activate(kFeatureGuestCsum);
  const Bytes frame = tap_frame(100, 3, kFlagDataValid);
  tap_sends(frame);
  ASSERT_EQ(rx.used_idx(), 1);
  EXPECT_EQ(rx.used_id(0), 0u);
  EXPECT_EQ(rx.used_len(0), frame.size());
  Bytes want = frame;
  want[10] = 1;  // num_buffers
  EXPECT_EQ(guest_bytes(rx_gpa(0), frame.size()), want) << "DATA_VALID kept: the guest acked GUEST_CSUM";
  EXPECT_EQ(guest_bytes(rx_gpa(0) + frame.size(), 4), Bytes(4, kUntouched));
  EXPECT_EQ(interrupts_on(0), 1u);
  EXPECT_EQ(device->rx_counters().frames, 1u);
}

TEST_F(NetTest, WithoutGuestChecksumsTheHeaderFlagsAreCleared) {
  post_rx(0);
  activate(0);
  tap_sends(tap_frame(60, 9, kFlagDataValid));
  ASSERT_EQ(rx.used_idx(), 1);
  EXPECT_EQ(guest_bytes(rx_gpa(0), 1), Bytes{0});
}

TEST_F(NetTest, LargeFrameSpreadOverMergeableBuffers) {
  for (uint16_t n = 0; n < 48; ++n) post_rx(n);  // 48 x 1536 bytes: room for any frame
  activate(kMergeable);
  const Bytes frame = tap_frame(4000, 42);  // 4012 bytes: 1536 + 1536 + 940
  tap_sends(frame);
  ASSERT_EQ(rx.used_idx(), 3);
  const uint32_t lens[] = {1536, 1536, static_cast<uint32_t>(frame.size() - 2 * 1536)};
  Bytes got;
  for (uint16_t i = 0; i < 3; ++i) {
    EXPECT_EQ(rx.used_id(i), i);
    EXPECT_EQ(rx.used_len(i), lens[i]);
    const Bytes part = guest_bytes(rx_gpa(i), lens[i]);
    got.insert(got.end(), part.begin(), part.end());
  }
  Bytes want = frame;
  want[10] = 3;  // num_buffers, which the tap leaves to us
  EXPECT_EQ(got, want);
  EXPECT_EQ(guest_bytes(rx_gpa(2) + lens[2], 4), Bytes(4, kUntouched)) << "nothing past the frame";
  EXPECT_EQ(guest_bytes(rx_gpa(3), 4), Bytes(4, kUntouched)) << "the next buffer untouched";
  EXPECT_EQ(device->rx_counters().merged, 1u);
  // The next frame starts in the next buffer.
  tap_sends(tap_frame(10, 1));
  ASSERT_EQ(rx.used_idx(), 4);
  EXPECT_EQ(rx.used_id(3), 3u);
  EXPECT_EQ(guest_bytes(rx_gpa(3) + 10, 2), (Bytes{1, 0}));
}

TEST_F(NetTest, NoBuffersNoTapReadsUntilTheDriverPostsSome) {
  activate(0);
  for (uint8_t i = 0; i < 3; ++i) tap_sends(tap_frame(60, i));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  settle(loop);
  EXPECT_EQ(record->reads, 0u) << "read a frame with nowhere to put it";
  EXPECT_FALSE(reading()) << "the loop would spin on a readable tap";
  post_rx(0);
  notify(0);
  ASSERT_EQ(rx.used_idx(), 1);
  EXPECT_EQ(guest_bytes(rx_gpa(0) + kHeaderSize, 1), Bytes{0}) << "the first frame first";
  EXPECT_EQ(record->reads, 1u) << "one buffer, one frame: the others wait in the tap";
  EXPECT_FALSE(reading());
  for (uint16_t n = 1; n <= 3; ++n) post_rx(n);
  notify(0);
  EXPECT_EQ(rx.used_idx(), 3);
  EXPECT_TRUE(reading()) << "a buffer left: back to watching the tap";
}

TEST_F(NetTest, MergeableBuffersWaitForRoomForAnyFrame) {
  for (uint16_t n = 0; n < 10; ++n) post_rx(n);  // 15 KiB: a 64 KiB frame would not fit
  activate(kMergeable);
  tap_sends(tap_frame(100, 5));
  EXPECT_EQ(rx.used_idx(), 0);
  EXPECT_EQ(record->reads, 0u);
  for (uint16_t n = 10; n < 50; ++n) post_rx(n);
  notify(0);
  ASSERT_EQ(rx.used_idx(), 1);
  EXPECT_EQ(rx.used_len(0), 112u);
  EXPECT_EQ(guest_bytes(rx_gpa(0) + 10, 2), (Bytes{1, 0}));
}

TEST_F(NetTest, AFullRingOfSmallBuffersStillTakesFramesThatFitAndDropsTheRest) {
  rx_size_ = 16;
  for (uint16_t n = 0; n < 16; ++n) post_rx(n);  // the whole ring: 24 KiB
  activate(kMergeable, 16);
  tap_sends(tap_frame(100, 5));
  ASSERT_EQ(rx.used_idx(), 1) << "the driver cannot post more: read with what there is";
  post_rx(16);  // the driver gives the buffer back
  notify(0);
  tap_sends(tap_frame(30000, 6));  // more than 16 x 1536
  EXPECT_EQ(rx.used_idx(), 1);
  EXPECT_EQ(device->rx_counters().dropped, 1u);
  tap_sends(tap_frame(2000, 7));
  ASSERT_EQ(rx.used_idx(), 3) << "the buffers the dropped frame went into serve the next";
  EXPECT_EQ(rx.used_len(1), 1536u);
  EXPECT_EQ(rx.used_len(2), 2012u - 1536u);
  const Bytes tail = guest_bytes(rx_gpa(2), 2012 - 1536);
  const Bytes frame = tap_frame(2000, 7);
  EXPECT_TRUE(std::equal(tail.begin(), tail.end(), frame.begin() + 1536)) << "no leftovers of the dropped frame";
}

TEST_F(NetTest, AFrameLargerThanTheBufferIsDroppedWithoutWritingPastIt) {
  post_rx(0, 200);
  activate(0);
  tap_sends(tap_frame(1000, 1));
  EXPECT_EQ(rx.used_idx(), 0);
  EXPECT_EQ(device->rx_counters().dropped, 1u);
  EXPECT_EQ(guest_bytes(rx_gpa(0) + 200, 64), Bytes(64, kUntouched));
  tap_sends(tap_frame(50, 2));
  ASSERT_EQ(rx.used_idx(), 1) << "the same buffer takes the next frame";
  EXPECT_EQ(rx.used_len(0), 62u);
}

TEST_F(NetTest, BuffersTheDeviceCannotUseGoBackEmpty) {
  rx.post_chain(0, {{rx_gpa(0), 64, false}, {rx_gpa(0) + 64, 1536, true}}, 64);  // a readable part
  post_rx(1, 8);  // shorter than the header
  post_rx(2);
  activate(0);
  tap_sends(tap_frame(60, 1));
  ASSERT_EQ(rx.used_idx(), 3);
  EXPECT_EQ(rx.used_len(0), 0u);
  EXPECT_EQ(rx.used_len(1), 0u);
  EXPECT_EQ(rx.used_id(2), 2u);
  EXPECT_EQ(rx.used_len(2), 72u);
  EXPECT_EQ(device->rx_counters().bad_chains, 2u);
  EXPECT_EQ(guest_bytes(rx_gpa(1), 8), Bytes(8, kUntouched));
}

TEST_F(NetTest, AMalformedRxQueueMetWhileReadingTheTapFailsTheNextNotify) {
  post_rx(0);
  activate(0);
  rx.set_avail_idx(200);  // far ahead of a 64-entry ring
  tap_sends(tap_frame(60, 1));
  EXPECT_FALSE(reading());
  EXPECT_THROW(notify(1), QueueError);
  on_loop([&] { device->reset(); });
}

TEST_F(NetTest, AMalformedQueueInANotifyThrowsToTheTransport) {
  activate(0);
  tx.set_avail_idx(100);
  EXPECT_THROW(notify(1), QueueError);
}

TEST_F(NetTest, AVanishedTapStopsReceivingAndRefusesTransmits) {
  post_rx(0);
  activate(kHostOffloads);
  peer.reset();
  settle(loop);
  EXPECT_FALSE(reading());
  post_tx(0, Bytes(kHeaderSize, 0), Bytes(60, 1));
  notify(1);
  EXPECT_EQ(tx.used_idx(), 1);
  EXPECT_EQ(device->tx_counters().refused, 1u);
}

// ---- Transmit -----------------------------------------------------------------------------

TEST_F(NetTest, PlainFrameGoesToTheTapWithItsHeader) {
  activate(kHostOffloads);
  const Bytes header(kHeaderSize, 0);
  Bytes frame(60);
  for (size_t i = 0; i < frame.size(); ++i) frame[i] = static_cast<uint8_t>(i);
  const uint16_t head = post_tx(0, header, frame);
  notify(1);
  const auto got = tap_received();
  ASSERT_TRUE(got);
  Bytes want = header;
  want.insert(want.end(), frame.begin(), frame.end());
  EXPECT_EQ(*got, want);
  ASSERT_EQ(tx.used_idx(), 1);
  EXPECT_EQ(tx.used_id(0), head);
  EXPECT_EQ(tx.used_len(0), 0u);
  EXPECT_EQ(interrupts_on(1), 1u);
  EXPECT_EQ(device->tx_counters().frames, 1u);
  EXPECT_EQ(device->tx_counters().segmented, 0u);
}

TEST_F(NetTest, SegmentedFrameGoesToTheTapWithItsGsoHeader) {
  activate(kHostOffloads);
  const Bytes header = header_bytes(tso4_header());
  const Bytes frame(3000, 0x5a);
  post_tx(0, header, frame);
  notify(1);
  const auto got = tap_received();
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), kHeaderSize + 3000);
  EXPECT_EQ(Bytes(got->begin(), got->begin() + kHeaderSize), header);
  EXPECT_EQ(device->tx_counters().segmented, 1u);
}

TEST_F(NetTest, MalformedTransmitsAreDroppedAndStillReturned) {
  activate(kHostOffloads);
  Header tso6 = tso4_header();
  tso6.gso_type = kGsoTcpV6;  // HOST_TSO6 not acked
  Header no_size = tso4_header();
  no_size.gso_size = 0;
  post_tx(0, header_bytes(tso6), Bytes(3000));
  post_tx(2, header_bytes(no_size), Bytes(3000));
  post_tx(4, Bytes(kHeaderSize), Bytes(10));  // shorter than an Ethernet header
  post_tx(6, Bytes(kHeaderSize), Bytes(kMaxFrame + 1));
  tx.post_chain(8, {{kTxBuffers, kHeaderSize, false}, {kTxBuffers + 0x100, 60, true}}, 16);  // writable part
  notify(1);
  EXPECT_FALSE(tap_received()) << "a malformed frame reached the tap";
  EXPECT_EQ(tx.used_idx(), 5);
  EXPECT_EQ(device->tx_counters().dropped, 5u);
  EXPECT_EQ(device->tx_counters().frames, 0u);
  // The largest frame there is passes.
  post_tx(10, Bytes(kHeaderSize), Bytes(kMaxFrame));
  notify(1);
  const auto got = tap_received();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->size(), kHeaderSize + kMaxFrame);
}

TEST_F(NetTest, AFullTransmitRingIsSentInBoundedRounds) {
  activate(kHostOffloads, 64, 256);
  const uint64_t gpa = kTxBuffers;
  Bytes frame(kHeaderSize + 60, 0);
  mem.write(gpa, frame);
  for (uint16_t i = 0; i < 256; ++i) tx.post_chain(i, {{gpa, static_cast<uint32_t>(frame.size()), false}}, 256);
  notify(1);
  settle(loop);
  EXPECT_EQ(tx.used_idx(), 256);
  unsigned frames = 0;
  while (tap_received()) ++frames;
  EXPECT_EQ(frames, 256u);
}

// NetRx on its own: what it holds.
TEST(NetRxHolding, NeverMoreChainsThanTheRingHasDescriptors) {
  GuestMemory mem(kRam);
  Virtqueue q(mem);
  FakeDriverRing ring{mem, 0x1000, 0x2000, 0x3000};
  ASSERT_TRUE(ring.enable(q, 4));
  ring.set_desc(0, kRxBuffers, 16, Virtqueue::kDescWrite);
  auto [tap, peer] = make_fake_tap(std::make_shared<FakeTapRecord>());
  NetRx rx;
  rx.configure(true, true);
  bool used = false;
  // A driver that makes the same small buffer available again and again.
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 4; ++i) ring.make_available(0, 4);
    EXPECT_EQ(rx.receive(q, *tap, 8, used), NetRx::Stop::BackendEmpty) << "a full ring: read with what there is";
    EXPECT_EQ(rx.held_chains(), 4u);
  }
}

// NetTx on its own: the budget per call.
TEST(NetTxBudget, StopsAfterMaxChainsAndSaysMoreMayWait) {
  GuestMemory mem(kRam);
  Virtqueue q(mem);
  FakeDriverRing ring{mem, 0x1000, 0x2000, 0x3000};
  ASSERT_TRUE(ring.enable(q, 16));
  const Bytes frame(kHeaderSize + 60, 0);
  mem.write(kTxBuffers, frame);
  for (uint16_t i = 0; i < 5; ++i) ring.post_chain(i, {{kTxBuffers, static_cast<uint32_t>(frame.size()), false}}, 16);
  auto [tap, peer] = make_fake_tap(std::make_shared<FakeTapRecord>());
  NetTx tx;
  bool used = false;
  EXPECT_TRUE(tx.transmit(q, *tap, 0, 2, used));
  EXPECT_TRUE(used);
  EXPECT_EQ(ring.used_idx(), 2);
  EXPECT_TRUE(tx.transmit(q, *tap, 0, 2, used));
  EXPECT_FALSE(tx.transmit(q, *tap, 0, 2, used));
  EXPECT_EQ(ring.used_idx(), 5);
  EXPECT_EQ(tx.counters().frames, 5u);
}

}  // namespace
}  // namespace ppc::vmm
