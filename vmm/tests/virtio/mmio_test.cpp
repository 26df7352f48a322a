#include "virtio/mmio.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "base/error.h"
#include "event_loop.h"
#include "loop_thread_for_tests.h"
#include "memory/guest_memory.h"
#include "virtio/device.h"
#include "virtio/fake_driver_ring.h"
#include "virtio/mmio_registers.h"
#include "virtio/queue.h"

namespace ppc::vmm {
namespace {

using namespace test_mmio;
constexpr uint32_t kAcknowledge = 1, kDriver = 2, kDriverOk = 4, kFeaturesOk = 8, kNeedsReset = 64, kFailed = 128;
constexpr uint32_t kUsedBufferInterrupt = 1, kConfigChangeInterrupt = 2;

constexpr uint64_t kBase = 0x40000000;
constexpr MmioTransport::Interrupts kIrqs{17, 18};
constexpr uint32_t kFakeDeviceId = 0x2a;
constexpr uint64_t kFeatureLow = 1ull << 3, kFeatureHigh = 1ull << 40;  // what the fake device offers
constexpr uint16_t kQueueSize = 8;

// What the transport asked of the device model. Written on the loop thread; the test reads it
// after a round trip through the loop (a register write that waits for it, or settle()).
struct DeviceCalls {
  int activations = 0, resets = 0;
  uint64_t acked_features = 0;
  std::vector<uint16_t> notified;
  bool always_on_loop_thread = true;
  std::vector<Virtqueue>* queues = nullptr;
  std::function<void(uint16_t)> notify_used;
  bool fail_notifications = false;  // queue_notify throws a QueueError
  int before_saves = 0, after_restores = 0;
  bool fail_after_restore = false;  // after_restore throws a QueueError
  std::string saved_only_unused;    // what the device answers saved_only_unused()
};

class FakeDevice final : public VirtioDevice {
 public:
  FakeDevice(DeviceCalls& calls, const EventLoop& loop, size_t queues = 2) : calls_(calls), loop_(loop), queues_(queues) {}
  std::string name() const override { return "fake"; }
  uint32_t device_id() const override { return kFakeDeviceId; }
  uint64_t features() const override { return kFeatureLow | kFeatureHigh; }
  size_t queue_count() const override { return queues_; }
  // A 256-byte configuration space whose byte i is 0xc0 + i (modulo 256); past it, 0.
  void read_config(uint64_t offset, std::span<uint8_t> out) const override {
    for (size_t i = 0; i < out.size(); ++i) out[i] = offset + i < 0x100 ? static_cast<uint8_t>(0xc0 + offset + i) : 0;
  }
  void activate(std::vector<Virtqueue>& queues, uint64_t driver_features,
                std::function<void(uint16_t)> notify_used) override {
    on_loop();
    ++calls_.activations;
    calls_.acked_features = driver_features;
    calls_.queues = &queues;
    calls_.notify_used = std::move(notify_used);
  }
  void queue_notify(uint16_t queue) override {
    on_loop();
    calls_.notified.push_back(queue);
    if (calls_.fail_notifications) throw QueueError("descriptor index 99 beyond table size 8");
  }
  void reset() override {
    on_loop();
    ++calls_.resets;
  }
  void before_save() override { ++calls_.before_saves; }
  std::string saved_only_unused() const override { return calls_.saved_only_unused; }
  void after_restore() override {
    on_loop();
    ++calls_.after_restores;
    if (calls_.fail_after_restore) throw QueueError("event ring broken");
  }

 private:
  void on_loop() { calls_.always_on_loop_thread = calls_.always_on_loop_thread && loop_.on_loop_thread(); }
  DeviceCalls& calls_;
  const EventLoop& loop_;
  size_t queues_;
};

class FakeWiring final : public EventWiring {
 public:
  struct Ioeventfd {
    uint64_t addr;
    uint32_t len;
    uint64_t datamatch;
    int fd;
  };
  void register_irqfd(int fd, uint32_t gsi) override { irqfds.emplace_back(fd, gsi); }
  void register_ioeventfd(uint64_t addr, uint32_t len, uint64_t datamatch, int fd) override {
    ioeventfds.push_back({addr, len, datamatch, fd});
  }
  void register_address_ioeventfd(uint64_t addr, int fd) override { address_ioeventfds.emplace_back(addr, fd); }
  std::vector<std::pair<int, uint32_t>> irqfds;
  std::vector<Ioeventfd> ioeventfds;
  std::vector<std::pair<uint64_t, int>> address_ioeventfds;  // any store to the address
};

bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

// The eventfd's counter (0 when not signalled); reading resets it.
uint64_t take_count(int fd) {
  uint64_t count = 0;
  return ::read(fd, &count, sizeof count) == sizeof count ? count : 0;
}

class MmioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    transport.connect(wiring);
    running.emplace(loop);
  }

  uint32_t read32(uint64_t offset) {
    std::array<uint8_t, 4> d{};
    transport.mmio_read(offset, d);
    return d[0] | d[1] << 8 | d[2] << 16 | static_cast<uint32_t>(d[3]) << 24;
  }
  void write32(uint64_t offset, uint32_t v) {
    const std::array<uint8_t, 4> d{static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v >> 16),
                                   static_cast<uint8_t>(v >> 24)};
    transport.mmio_write(offset, d);
  }
  void write_pair(uint64_t low, uint64_t value) {
    write32(low, static_cast<uint32_t>(value));
    write32(low + 4, static_cast<uint32_t>(value >> 32));
  }

  // A driver's steps (virtio 3.1.1).
  bool negotiate(uint64_t features) {
    write32(kStatus, kAcknowledge | kDriver);
    write32(kDriverFeaturesSel, 0);
    write32(kDriverFeatures, static_cast<uint32_t>(features));
    write32(kDriverFeaturesSel, 1);
    write32(kDriverFeatures, static_cast<uint32_t>(features >> 32));
    write32(kStatus, kAcknowledge | kDriver | kFeaturesOk);
    return read32(kStatus) & kFeaturesOk;
  }
  void lay_out_queue(uint32_t queue, const FakeDriverRing& ring, uint32_t size = kQueueSize) {
    write32(kQueueSel, queue);
    lay_out_selected_queue(ring, size);
  }
  void lay_out_selected_queue(const FakeDriverRing& ring, uint32_t size = kQueueSize) {
    write32(kQueueNum, size);
    write_pair(kQueueDescLow, ring.desc);
    write_pair(kQueueDriverLow, ring.avail);
    write_pair(kQueueDeviceLow, ring.used);
  }
  bool set_up_queue(uint32_t queue, const FakeDriverRing& ring, uint32_t size = kQueueSize) {
    lay_out_queue(queue, ring, size);
    write32(kQueueReady, 1);
    return read32(kQueueReady) == 1;
  }
  void driver_ok() { write32(kStatus, kAcknowledge | kDriver | kFeaturesOk | kDriverOk); }
  // Both queues ready, features acked, DRIVER_OK.
  void bring_up() {
    const int activations = calls.activations;
    ASSERT_TRUE(negotiate(kVirtioFVersion1 | kFeatureLow));
    ASSERT_TRUE(set_up_queue(0, ring0));
    ASSERT_TRUE(set_up_queue(1, ring1));
    driver_ok();
    ASSERT_EQ(calls.activations, activations + 1);
  }

  // A queue's state as the device sees it, read on the loop thread.
  struct QueueState {
    bool ready;
    uint16_t size;
    uint64_t desc, avail, used;
    bool operator==(const QueueState&) const = default;
  };
  QueueState queue_state(size_t queue) {
    QueueState s{};
    loop.run_and_wait([&] {
      const Virtqueue& q = calls.queues->at(queue);
      s = {q.ready(), q.size(), q.desc_table(), q.avail_ring(), q.used_ring()};
    });
    return s;
  }

  void notify_through_ioeventfd(uint16_t queue) {
    const uint64_t one = 1;
    ASSERT_EQ(::write(wiring.ioeventfds.at(queue).fd, &one, sizeof one), static_cast<ssize_t>(sizeof one));
    settle(loop);
  }
  int irqfd() const { return wiring.irqfds.at(0).first; }  // used buffers
  int config_irqfd() const { return wiring.irqfds.at(1).first; }

  GuestMemory mem{1 << 20};
  EventLoop loop;
  DeviceCalls calls;
  FakeWiring wiring;
  MmioTransport transport{mem, loop, std::make_unique<FakeDevice>(calls, loop), kBase, kIrqs};
  const FakeDriverRing ring0{mem, 0x1000, 0x2000, 0x3000};
  const FakeDriverRing ring1{mem, 0x4000, 0x5000, 0x6000};
  std::optional<LoopThread> running;  // last: stops before anything it uses goes away
};

// --- identification and features ------------------------------------------------------------

TEST_F(MmioTest, IdentifiesAsVirtioMmioVersion2) {
  EXPECT_EQ(read32(kMagic), 0x74726976u);  // "virt"
  EXPECT_EQ(read32(kVersion), 2u);
  EXPECT_EQ(read32(kDeviceId), kFakeDeviceId);
  EXPECT_EQ(read32(kVendorId), 0x4b505050u);
  EXPECT_EQ(read32(kConfigGeneration), 0u);
}

TEST_F(MmioTest, DeviceFeaturesAreTheDevicesPlusVersion1AndEventIdx) {
  const uint64_t expected = kFeatureLow | kFeatureHigh | kVirtioFVersion1 | Virtqueue::kFeatureEventIdx;
  EXPECT_EQ(read32(kDeviceFeatures), static_cast<uint32_t>(expected));  // selector 0 at first
  write32(kDeviceFeaturesSel, 1);
  EXPECT_EQ(read32(kDeviceFeatures), static_cast<uint32_t>(expected >> 32));
  write32(kDeviceFeaturesSel, 0);
  EXPECT_EQ(read32(kDeviceFeatures), static_cast<uint32_t>(expected));
  for (const uint32_t sel : {2u, 0xffffffffu}) {
    write32(kDeviceFeaturesSel, sel);
    EXPECT_EQ(read32(kDeviceFeatures), 0u) << "selector " << sel;
  }
}

TEST_F(MmioTest, FeaturesOkIsKeptForOfferedFeaturesWithVersion1) {
  EXPECT_TRUE(negotiate(kVirtioFVersion1 | kFeatureLow | kFeatureHigh));
  write32(kStatus, 0);
  EXPECT_TRUE(negotiate(kVirtioFVersion1));
}

TEST_F(MmioTest, FeaturesOkIsRefusedForAFeatureNotOffered) {
  EXPECT_FALSE(negotiate(kVirtioFVersion1 | kFeatureLow | (1ull << 4)));
  EXPECT_EQ(read32(kStatus), kAcknowledge | kDriver);
  driver_ok();
  EXPECT_EQ(calls.activations, 0);
  write32(kStatus, 0);
  EXPECT_FALSE(negotiate(kVirtioFVersion1 | (1ull << 63)));
}

TEST_F(MmioTest, FeaturesOkIsRefusedWithoutVersion1) {
  EXPECT_FALSE(negotiate(kFeatureLow));
  EXPECT_FALSE(negotiate(0));
}

TEST_F(MmioTest, DriverFeaturesCannotChangeOnceFeaturesOk) {
  ASSERT_TRUE(negotiate(kVirtioFVersion1));
  write32(kDriverFeaturesSel, 0);
  write32(kDriverFeatures, static_cast<uint32_t>(kFeatureLow));
  write32(kDriverFeaturesSel, 1);
  write32(kDriverFeatures, 0xffffffff);
  driver_ok();
  ASSERT_EQ(calls.activations, 1);
  EXPECT_EQ(calls.acked_features, kVirtioFVersion1);
}

// --- activation -------------------------------------------------------------------------------

TEST_F(MmioTest, DriverOkActivatesTheDeviceOnceWithTheAckedFeatures) {
  ASSERT_TRUE(negotiate(kVirtioFVersion1 | kFeatureHigh));
  EXPECT_EQ(calls.activations, 0);
  driver_ok();
  EXPECT_EQ(calls.activations, 1);
  EXPECT_EQ(calls.acked_features, kVirtioFVersion1 | kFeatureHigh);
  EXPECT_TRUE(calls.always_on_loop_thread);
  EXPECT_EQ(read32(kStatus), kAcknowledge | kDriver | kFeaturesOk | kDriverOk);
  driver_ok();
  EXPECT_EQ(calls.activations, 1);
}

TEST_F(MmioTest, DriverOkWithoutFeaturesOkOrWithFailedDoesNotActivate) {
  write32(kStatus, kAcknowledge | kDriver | kDriverOk);
  EXPECT_EQ(calls.activations, 0);
  write32(kStatus, 0);
  ASSERT_TRUE(negotiate(kVirtioFVersion1));
  write32(kStatus, kAcknowledge | kDriver | kFeaturesOk | kDriverOk | kFailed);
  EXPECT_EQ(calls.activations, 0);
}

// --- queue set-up -----------------------------------------------------------------------------

TEST_F(MmioTest, QueueRegistersLayOutEachQueue) {
  write32(kQueueSel, 0);
  EXPECT_EQ(read32(kQueueNumMax), Virtqueue::kMaxSize);
  write32(kQueueSel, 1);
  EXPECT_EQ(read32(kQueueNumMax), Virtqueue::kMaxSize);
  EXPECT_EQ(read32(kQueueReady), 0u);
  EXPECT_TRUE(set_up_queue(0, ring0, 16));
  // Queue 1 above 4 GiB in every ring: the high halves count, and the rings are outside RAM.
  const FakeDriverRing high{mem, 0x7'00005000, 0x8'00006000, 0x9'00007000};
  EXPECT_FALSE(set_up_queue(1, high, 4));
  ASSERT_TRUE(negotiate(kVirtioFVersion1));
  driver_ok();
  ASSERT_EQ(calls.activations, 1);
  EXPECT_EQ(queue_state(0), (QueueState{true, 16, ring0.desc, ring0.avail, ring0.used}));
  EXPECT_EQ(queue_state(1), (QueueState{false, 4, high.desc, high.avail, high.used}));
}

TEST_F(MmioTest, LayoutRegistersAreIgnoredOnceTheQueueIsReady) {
  ASSERT_TRUE(set_up_queue(0, ring0));
  lay_out_queue(0, ring1, 4);
  EXPECT_EQ(read32(kQueueReady), 1u);
  ASSERT_TRUE(negotiate(kVirtioFVersion1));
  driver_ok();
  EXPECT_EQ(queue_state(0), (QueueState{true, kQueueSize, ring0.desc, ring0.avail, ring0.used}));
}

TEST_F(MmioTest, LayoutRegistersAreIgnoredAfterDriverOk) {
  ASSERT_TRUE(negotiate(kVirtioFVersion1));
  driver_ok();
  lay_out_queue(1, ring1);
  EXPECT_EQ(queue_state(1), (QueueState{false, 0, 0, 0, 0}));
}

TEST_F(MmioTest, QueueReadyWithAnInvalidRingStaysNotReady) {
  EXPECT_FALSE(set_up_queue(0, ring0, 0));
  EXPECT_FALSE(set_up_queue(0, ring0, 3));  // not a power of two
  EXPECT_FALSE(set_up_queue(0, FakeDriverRing{mem, 0x1008, 0x2000, 0x3000}));  // misaligned descriptors
  EXPECT_FALSE(set_up_queue(0, FakeDriverRing{mem, 0x1000, 0x2000, mem.size()}));  // used ring outside RAM
  EXPECT_TRUE(set_up_queue(0, ring0));
  write32(kQueueReady, 0);  // and back
  EXPECT_EQ(read32(kQueueReady), 0u);
}

TEST_F(MmioTest, QueueNumAboveTheMaximumIsRefused) {
  EXPECT_FALSE(set_up_queue(0, ring0, Virtqueue::kMaxSize * 2));
  EXPECT_FALSE(set_up_queue(0, ring0, 0x10000 + kQueueSize));  // not cut to 16 bits
  EXPECT_FALSE(set_up_queue(0, ring0, 0xffffffff));
  EXPECT_TRUE(set_up_queue(0, ring0, Virtqueue::kMaxSize));
}

TEST_F(MmioTest, QueueSelBeyondTheQueuesSelectsNothing) {
  for (const uint32_t sel : {2u, 0x10000u, 0xffffffffu}) {
    write32(kQueueSel, sel);
    EXPECT_EQ(read32(kQueueNumMax), 0u) << "queue " << sel;
    EXPECT_FALSE(set_up_queue(sel, ring0)) << "queue " << sel;
  }
  ASSERT_TRUE(negotiate(kVirtioFVersion1));
  driver_ok();
  EXPECT_EQ(queue_state(0), (QueueState{false, 0, 0, 0, 0}));
  EXPECT_EQ(queue_state(1), (QueueState{false, 0, 0, 0, 0}));
}

// --- notifications and interrupts ---------------------------------------------------------------

TEST_F(MmioTest, ConnectRegistersAnIoeventfdPerQueueOneForTheUsedBufferAckAndTwoIrqfds) {
  ASSERT_EQ(wiring.irqfds.size(), 2u);
  EXPECT_EQ(wiring.irqfds[0].second, kIrqs.used_buffers);
  EXPECT_EQ(wiring.irqfds[1].second, kIrqs.config);
  EXPECT_NE(wiring.irqfds[0].first, wiring.irqfds[1].first);
  ASSERT_EQ(wiring.ioeventfds.size(), 3u);
  // The driver's "1" to InterruptAck stays inside KVM.
  EXPECT_EQ(wiring.ioeventfds[2].addr, kBase + kInterruptAck);
  EXPECT_EQ(wiring.ioeventfds[2].len, 4u);
  EXPECT_EQ(wiring.ioeventfds[2].datamatch, kUsedBufferInterrupt);
  for (uint64_t q = 0; q < 2; ++q) {
    EXPECT_EQ(wiring.ioeventfds[q].addr, kBase + kQueueNotify);
    EXPECT_EQ(wiring.ioeventfds[q].len, 4u);
    EXPECT_EQ(wiring.ioeventfds[q].datamatch, q);
  }
  EXPECT_NE(wiring.ioeventfds[0].fd, wiring.ioeventfds[1].fd);
  // Each queue's own notify address signals that queue's eventfd, whatever is stored there.
  ASSERT_EQ(wiring.address_ioeventfds.size(), 2u);
  for (size_t q = 0; q < 2; ++q) {
    EXPECT_EQ(wiring.address_ioeventfds[q].first, kBase + kNotifyWindow + 4 * q);
    EXPECT_EQ(wiring.address_ioeventfds[q].second, wiring.ioeventfds[q].fd);
  }
}

TEST_F(MmioTest, AStoreToAQueuesNotifyAddressThatReachesUsNotifiesThatQueue) {
  bring_up();
  write32(kNotifyWindow + 4, 0xdeadbeef);  // the value is moot
  settle(loop);
  EXPECT_EQ(calls.notified, std::vector<uint16_t>{1});
  write32(kNotifyWindow, 7);
  settle(loop);
  EXPECT_EQ(calls.notified, (std::vector<uint16_t>{1, 0}));
  // Between two addresses, or the address of a queue the device does not have: nothing.
  write32(kNotifyWindow + 2, 0);
  write32(kNotifyWindow + 8, 2);
  write32(kNotifyWindowEnd - 4, 63);
  settle(loop);
  EXPECT_EQ(calls.notified, (std::vector<uint16_t>{1, 0}));
  // The window is write-only.
  EXPECT_EQ(read32(kNotifyWindow), 0u);
  EXPECT_EQ(read32(kNotifyWindow + 4), 0u);
}

TEST(MmioTransport, ADeviceWithMoreQueuesThanNotifyAddressesIsRefused) {
  GuestMemory mem{1 << 20};
  EventLoop loop;
  DeviceCalls calls;
  const size_t most = (kNotifyWindowEnd - kNotifyWindow) / 4;
  EXPECT_NO_THROW(MmioTransport fits(mem, loop, std::make_unique<FakeDevice>(calls, loop, most), kBase, kIrqs));
  try {
    MmioTransport too_many(mem, loop, std::make_unique<FakeDevice>(calls, loop, most + 1), kBase, kIrqs);
    FAIL() << "a device with 65 queues was accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "fake: 65 queues, the transport has notify addresses for 64");
  }
}

TEST_F(MmioTest, NotificationThroughTheIoeventfdReachesTheDeviceOnTheLoopThread) {
  bring_up();
  notify_through_ioeventfd(1);
  EXPECT_EQ(calls.notified, std::vector<uint16_t>{1});
  notify_through_ioeventfd(0);
  EXPECT_EQ(calls.notified, (std::vector<uint16_t>{1, 0}));
  EXPECT_TRUE(calls.always_on_loop_thread);
}

TEST_F(MmioTest, NotificationBeforeDriverOkIsDropped) {
  notify_through_ioeventfd(0);
  ASSERT_TRUE(negotiate(kVirtioFVersion1));
  notify_through_ioeventfd(1);
  EXPECT_TRUE(calls.notified.empty());
  EXPECT_FALSE(readable(wiring.ioeventfds[0].fd)) << "the notification was left pending";
}

TEST_F(MmioTest, QueueNotifyRegisterWritesReachTheDeviceToo) {
  bring_up();
  write32(kQueueNotify, 1);
  settle(loop);
  EXPECT_EQ(calls.notified, std::vector<uint16_t>{1});
  write32(kQueueNotify, 2);
  write32(kQueueNotify, 0x10000);
  write32(kQueueNotify, 0xffffffff);
  settle(loop);
  EXPECT_EQ(calls.notified, std::vector<uint16_t>{1});
}

TEST_F(MmioTest, AStormOfQueueNotifyWritesLeavesOneNotificationWaiting) {
  bring_up();
  // The loop is held busy while the guest writes; the writes must not pile up work for it.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  loop.post([released] { released.wait(); });
  for (int i = 0; i < 10000; ++i) write32(kQueueNotify, 0);
  write32(kQueueNotify, 1);
  release.set_value();
  settle(loop);
  EXPECT_EQ(calls.notified, (std::vector<uint16_t>{0, 1}));
  // Once it ran, the next write is a new notification.
  write32(kQueueNotify, 0);
  settle(loop);
  EXPECT_EQ(calls.notified, (std::vector<uint16_t>{0, 1, 0}));
}

TEST_F(MmioTest, UsedBuffersRaiseTheirOwnIrqfdAndALiveDeviceAlwaysReportsThem) {
  EXPECT_EQ(read32(kInterruptStatus), 0u);  // not live yet
  bring_up();
  loop.run_and_wait([&] { calls.notify_used(0); });
  EXPECT_EQ(take_count(irqfd()), 1u);
  EXPECT_FALSE(readable(config_irqfd()));
  EXPECT_EQ(read32(kInterruptStatus), kUsedBufferInterrupt);
  // Its acknowledgement is absorbed by KVM; one that reaches us changes nothing either.
  write32(kInterruptAck, kUsedBufferInterrupt);
  EXPECT_EQ(read32(kInterruptStatus), kUsedBufferInterrupt);
  write32(kStatus, 0);
  EXPECT_EQ(read32(kInterruptStatus), 0u);
}

TEST_F(MmioTest, NoInterruptWhenTheDriverAsksForNoneOrTheQueueIsNotLive) {
  ASSERT_TRUE(negotiate(kVirtioFVersion1));
  ASSERT_TRUE(set_up_queue(0, ring0));  // queue 1 stays not ready
  driver_ok();
  ring0.set_avail_flags(1);  // VRING_AVAIL_F_NO_INTERRUPT
  loop.run_and_wait([&] {
    calls.notify_used(0);
    calls.notify_used(1);
    calls.notify_used(2);
    calls.notify_used(0xffff);
  });
  EXPECT_FALSE(readable(irqfd()));
}

TEST_F(MmioTest, WithEventIdxNegotiatedTheQueuesInterruptByUsedEvent) {
  ASSERT_TRUE(negotiate(kVirtioFVersion1 | Virtqueue::kFeatureEventIdx));
  ASSERT_TRUE(set_up_queue(0, ring0));
  driver_ok();
  ring0.set_avail_flags(1);                              // means nothing under EVENT_IDX
  mem.store_le16(ring0.avail + 4 + 2 * kQueueSize, 0);  // used_event: after entry 0
  const auto complete_one = [&] {
    loop.run_and_wait([&] {
      calls.queues->at(0).push(0, 0);
      calls.notify_used(0);
    });
  };
  complete_one();
  EXPECT_EQ(take_count(irqfd()), 1u);
  complete_one();  // used_event lies behind: no interrupt
  EXPECT_FALSE(readable(irqfd()));
  mem.store_le16(ring0.avail + 4 + 2 * kQueueSize, 2);
  complete_one();
  EXPECT_EQ(take_count(irqfd()), 1u);
}

TEST_F(MmioTest, QueueErrorFromTheDeviceSetsNeedsResetAndRaisesBothInterrupts) {
  bring_up();
  loop.run_and_wait([&] { calls.fail_notifications = true; });
  notify_through_ioeventfd(0);
  EXPECT_EQ(calls.notified, std::vector<uint16_t>{0});
  EXPECT_EQ(read32(kStatus), kAcknowledge | kDriver | kFeaturesOk | kDriverOk | kNeedsReset);
  EXPECT_EQ(read32(kInterruptStatus), kConfigChangeInterrupt);  // stopped: no used buffers
  EXPECT_EQ(take_count(config_irqfd()), 1u);
  // Also the first: a driver that listens only there reads the config bit from InterruptStatus.
  EXPECT_GE(take_count(irqfd()), 1u);
  write32(kInterruptAck, kConfigChangeInterrupt);  // a config acknowledgement reaches us
  EXPECT_EQ(read32(kInterruptStatus), 0u);
  EXPECT_EQ(calls.resets, 1);
  // The device is stopped until the driver resets it.
  notify_through_ioeventfd(0);
  EXPECT_EQ(calls.notified, std::vector<uint16_t>{0});
  write32(kStatus, 0);
  EXPECT_EQ(read32(kStatus), 0u);
  EXPECT_EQ(read32(kInterruptStatus), 0u);
}

// A device in NEEDS_RESET must not consume buffers until reset (virtio 2.1.2), however the
// driver plays with DRIVER_OK.
TEST_F(MmioTest, DriverOkAgainAfterNeedsResetDoesNotRestartTheDevice) {
  bring_up();
  loop.run_and_wait([&] { calls.fail_notifications = true; });
  notify_through_ioeventfd(0);
  ASSERT_EQ(read32(kStatus) & kNeedsReset, kNeedsReset);
  loop.run_and_wait([&] { calls.fail_notifications = false; });
  write32(kStatus, kAcknowledge | kDriver | kFeaturesOk);  // clears DRIVER_OK, as a driver must not
  driver_ok();
  EXPECT_EQ(calls.activations, 1);
  notify_through_ioeventfd(0);
  EXPECT_EQ(calls.notified, std::vector<uint16_t>{0});
  // A real reset brings it back.
  write32(kStatus, 0);
  bring_up();
  notify_through_ioeventfd(0);
  EXPECT_EQ(calls.notified, (std::vector<uint16_t>{0, 0}));
}

// --- reset ------------------------------------------------------------------------------------

TEST_F(MmioTest, WritingZeroToStatusResetsTheDeviceAndTheQueues) {
  bring_up();
  loop.run_and_wait([&] { calls.notify_used(0); });
  write32(kDeviceFeaturesSel, 1);
  write32(kStatus, 0);
  EXPECT_EQ(calls.resets, 1);
  EXPECT_TRUE(calls.always_on_loop_thread);
  EXPECT_EQ(read32(kStatus), 0u);
  EXPECT_EQ(read32(kInterruptStatus), 0u);
  EXPECT_EQ(queue_state(0), (QueueState{false, 0, 0, 0, 0}));
  EXPECT_EQ(queue_state(1), (QueueState{false, 0, 0, 0, 0}));
  EXPECT_EQ(read32(kQueueReady), 0u);
  EXPECT_EQ(read32(kDeviceFeatures), static_cast<uint32_t>(kFeatureLow | Virtqueue::kFeatureEventIdx));  // selector 0
  // The queue selector is back to 0 too (bring_up left it at 1): set up the queue it selects.
  lay_out_selected_queue(ring0);
  write32(kQueueReady, 1);
  EXPECT_EQ(queue_state(0).ready, true);
  // Notifications stop reaching the device.
  notify_through_ioeventfd(0);
  EXPECT_TRUE(calls.notified.empty());
}

TEST_F(MmioTest, ResetForgetsTheDriversFeatures) {
  ASSERT_TRUE(negotiate(kVirtioFVersion1 | kFeatureLow));
  write32(kStatus, 0);
  // Only the low half this time: VERSION_1 (bit 32) is gone unless the reset kept it.
  write32(kStatus, kAcknowledge | kDriver);
  write32(kDriverFeaturesSel, 0);
  write32(kDriverFeatures, static_cast<uint32_t>(kFeatureLow));
  write32(kStatus, kAcknowledge | kDriver | kFeaturesOk);
  EXPECT_EQ(read32(kStatus) & kFeaturesOk, 0u);
}

TEST_F(MmioTest, ResetBeforeActivationDoesNotResetTheDevice) {
  ASSERT_TRUE(negotiate(kVirtioFVersion1));
  write32(kStatus, 0);
  EXPECT_EQ(calls.resets, 0);
  EXPECT_EQ(read32(kStatus), 0u);
}

// --- configuration space -----------------------------------------------------------------------

TEST_F(MmioTest, ConfigReadsComeFromTheDeviceAtTheirOffset) {
  EXPECT_EQ(read32(kConfig), 0xc3c2c1c0u);
  EXPECT_EQ(read32(kConfig + 8), 0xcbcac9c8u);
  std::array<uint8_t, 1> one{};
  transport.mmio_read(kConfig + 5, one);
  EXPECT_EQ(one[0], 0xc5);
  std::array<uint8_t, 8> eight{};
  transport.mmio_read(kConfig + 0xf8, eight);
  EXPECT_EQ(eight, (std::array<uint8_t, 8>{0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf}));
}

TEST_F(MmioTest, ConfigWritesAreIgnored) {
  bring_up();
  // Offsets that would be Status, QueueReady and QueueSel if the window wrapped at 0x100.
  write32(kConfig + kStatus, 0);
  write32(kConfig + kQueueReady, 0);
  write32(kConfig + kQueueSel, 1);
  write32(kConfig, 0xffffffff);
  EXPECT_EQ(calls.resets, 0);
  EXPECT_EQ(read32(kStatus), kAcknowledge | kDriver | kFeaturesOk | kDriverOk);
  EXPECT_EQ(read32(kQueueReady), 1u);
  EXPECT_EQ(queue_state(0).ready, true);
  EXPECT_EQ(read32(kConfig), 0xc3c2c1c0u);
}

// --- snapshots ---------------------------------------------------------------------------------

// A second transport for the same RAM, as a restored machine builds it: its own loop, device
// and wiring.
struct RestoredTransport {
  explicit RestoredTransport(const GuestMemory& mem)
      : transport(mem, loop, std::make_unique<FakeDevice>(calls, loop), kBase, kIrqs) {
    transport.connect(wiring);
  }
  uint32_t read32(uint64_t offset) {
    std::array<uint8_t, 4> d{};
    transport.mmio_read(offset, d);
    return d[0] | d[1] << 8 | d[2] << 16 | static_cast<uint32_t>(d[3]) << 24;
  }
  EventLoop loop;
  DeviceCalls calls;
  FakeWiring wiring;
  MmioTransport transport;
};

TEST_F(MmioTest, ARestoredTransportIsTheSavedOneAndItsLiveDeviceIsServedAgain) {
  bring_up();
  write32(kQueueSel, 1);
  ring0.set_desc(0, 0x8000, 16, Virtqueue::kDescWrite);
  ring0.make_available(0, kQueueSize);
  TransportState saved;
  loop.run_and_wait([&] {
    Virtqueue& q = calls.queues->at(0);  // the device used one chain: positions moved on
    q.push(q.pop()->head, 16);
    transport.before_save();
    saved = transport.state();
  });
  ASSERT_EQ(saved.queues[0].next_avail, 1);
  ASSERT_EQ(saved.queues[0].published_used, 1);
  EXPECT_EQ(calls.before_saves, 1);
  RestoredTransport copy(mem);
  copy.transport.restore(saved);
  EXPECT_EQ(copy.calls.activations, 0);  // not until its loop reactivates it
  {
    LoopThread running_copy(copy.loop);
    copy.loop.run_and_wait([&] { copy.transport.reactivate(); });
    EXPECT_EQ(copy.calls.activations, 1);
    EXPECT_EQ(copy.calls.acked_features, kVirtioFVersion1 | kFeatureLow);
    EXPECT_EQ(copy.calls.after_restores, 1);  // told what changed, before being served
    EXPECT_TRUE(copy.calls.always_on_loop_thread);
    EXPECT_EQ(copy.calls.notified, (std::vector<uint16_t>{0, 1}));  // every queue looked at
    EXPECT_EQ(take_count(copy.wiring.irqfds.at(0).first), 1u);      // and the interrupt raised
    EXPECT_EQ(copy.read32(kStatus), kAcknowledge | kDriver | kFeaturesOk | kDriverOk);
    EXPECT_EQ(copy.read32(kQueueReady), 1u);  // queue 1, still selected
    EXPECT_EQ(copy.read32(kInterruptStatus), kUsedBufferInterrupt);
    copy.loop.run_and_wait([&] { EXPECT_TRUE(copy.transport.state() == saved); });
  }
}

// A device whose state lives outside the VMM (virtio-fs, virtio-net) is saved only while the
// driver has made no buffer available on any queue; the refusal says which and why.
TEST_F(MmioTest, ADeviceSavedOnlyUnusedIsRefusedOnceItsDriverMadeABufferAvailable) {
  calls.saved_only_unused = "its session lives elsewhere";
  bring_up();
  EXPECT_EQ(transport.why_not_saveable(), "");
  EXPECT_NO_THROW(transport.before_save());
  EXPECT_EQ(calls.before_saves, 1);
  ring0.set_desc(0, 0x8000, 16, Virtqueue::kDescWrite);
  ring0.make_available(0, kQueueSize);
  const std::string want = "the guest has used it (queue 0: available index 1, used index 0): its session lives elsewhere";
  EXPECT_EQ(transport.why_not_saveable(), want);
  try {
    transport.before_save();
    ADD_FAILURE() << "a used device was saved";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), want);
  }
  // 65,536 buffers later the available index is 0 again: the used one still tells.
  mem.store_le16(ring0.avail + 2, 0);
  mem.store_le16(ring0.used + 2, 7);
  EXPECT_EQ(transport.why_not_saveable(),
            "the guest has used it (queue 0: available index 0, used index 7): its session lives elsewhere");
  mem.store_le16(ring0.used + 2, 0);
  mem.store_le16(ring0.avail + 2, 1);
  EXPECT_EQ(calls.before_saves, 1);  // refused before the device gave anything back
  calls.saved_only_unused.clear();   // a device whose rings are all of its state: saved as it is
  EXPECT_NO_THROW(transport.before_save());
}

TEST_F(MmioTest, ARestoredTransportThatWasNotLiveStaysSo) {
  ASSERT_TRUE(negotiate(kVirtioFVersion1));
  transport.before_save();
  EXPECT_EQ(calls.before_saves, 0);  // nothing live, nothing held
  RestoredTransport copy(mem);
  copy.transport.restore(transport.state());
  LoopThread running_copy(copy.loop);
  copy.loop.run_and_wait([&] { copy.transport.reactivate(); });
  EXPECT_EQ(copy.calls.activations, 0);
  EXPECT_EQ(copy.calls.after_restores, 0);
  EXPECT_FALSE(readable(copy.wiring.irqfds.at(0).first));
  EXPECT_EQ(copy.read32(kStatus), kAcknowledge | kDriver | kFeaturesOk);
}

TEST_F(MmioTest, ARestoredDeviceThatNeededAResetStillDoesAndSaysSoAgain) {
  bring_up();
  calls.fail_notifications = true;
  notify_through_ioeventfd(0);
  ASSERT_TRUE(read32(kStatus) & kNeedsReset);
  TransportState saved;
  loop.run_and_wait([&] { saved = transport.state(); });
  RestoredTransport copy(mem);
  copy.transport.restore(saved);
  LoopThread running_copy(copy.loop);
  copy.loop.run_and_wait([&] { copy.transport.reactivate(); });
  EXPECT_EQ(copy.calls.activations, 0);
  EXPECT_TRUE(copy.read32(kStatus) & kNeedsReset);
  EXPECT_EQ(take_count(copy.wiring.irqfds.at(1).first), 1u);  // its config interrupt, raised again
}

TEST_F(MmioTest, ARestoredDeviceThatFailsToTellTheDriverNeedsAReset) {
  bring_up();
  TransportState saved;
  loop.run_and_wait([&] { saved = transport.state(); });
  RestoredTransport copy(mem);
  copy.calls.fail_after_restore = true;
  copy.transport.restore(saved);
  LoopThread running_copy(copy.loop);
  copy.loop.run_and_wait([&] { copy.transport.reactivate(); });
  EXPECT_TRUE(copy.read32(kStatus) & kNeedsReset);
  EXPECT_EQ(copy.read32(kInterruptStatus) & kConfigChangeInterrupt, kConfigChangeInterrupt);
  EXPECT_EQ(take_count(copy.wiring.irqfds.at(1).first), 1u);  // the config interrupt
  EXPECT_TRUE(copy.calls.notified.empty());                   // and no queue served
}

TEST_F(MmioTest, ARestoreThatDoesNotFitTheDeviceIsRefused) {
  bring_up();
  TransportState saved;
  loop.run_and_wait([&] { saved = transport.state(); });
  RestoredTransport copy(mem);
  TransportState fewer = saved;
  fewer.queues.pop_back();
  EXPECT_THROW(
      {
        try {
          copy.transport.restore(fewer);
        } catch (const Error& e) {
          EXPECT_STREQ(e.what(), "1 queues saved, the device has 2");
          throw;
        }
      },
      Error);
  saved.queues[1].used = mem.size() - 8;  // a ready ring past the end of RAM
  try {
    copy.transport.restore(saved);
    ADD_FAILURE() << "a ring outside RAM was restored";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("queue 1: a ready queue of size 8 with rings at"), std::string::npos) << e.what();
  }
}

// --- hostile accesses -------------------------------------------------------------------------

TEST_F(MmioTest, ReservedAndWriteOnlyRegistersReadZero) {
  bring_up();
  const std::vector<uint64_t> readable_registers = {kMagic,          kVersion,    kDeviceId,        kVendorId,
                                                    kDeviceFeatures, kQueueNumMax, kQueueReady,     kInterruptStatus,
                                                    kStatus,         kConfigGeneration};
  const std::vector<uint64_t> write_only = {kDeviceFeaturesSel, kDriverFeatures, kDriverFeaturesSel, kQueueSel,
                                            kQueueNum,          kQueueNotify,    kInterruptAck,     kQueueDescLow,
                                            kQueueDescHigh,     kQueueDriverLow, kQueueDriverHigh,  kQueueDeviceLow,
                                            kQueueDeviceHigh,   kShmSel};
  // No device has shared memory regions: their length and base read all ones ("none").
  const std::vector<uint64_t> no_region = {kShmLenLow, kShmLenHigh, kShmBaseLow, kShmBaseHigh};
  std::vector<uint64_t> reserved;
  for (uint64_t off = 0; off < kConfig; off += 4) {
    const auto known = [off](const std::vector<uint64_t>& v) { return std::find(v.begin(), v.end(), off) != v.end(); };
    if (!known(readable_registers) && !known(write_only) && !known(no_region)) reserved.push_back(off);
  }
  ASSERT_FALSE(reserved.empty());
  for (const uint64_t off : reserved) write32(off, 0xffffffff);
  for (const uint64_t off : reserved) EXPECT_EQ(read32(off), 0u) << "offset " << off;
  for (const uint64_t off : write_only) EXPECT_EQ(read32(off), 0u) << "offset " << off;
  for (const uint64_t off : no_region) EXPECT_EQ(read32(off), 0xffffffffu) << "offset " << off;
  // The writes to reserved offsets changed nothing.
  EXPECT_EQ(read32(kStatus), kAcknowledge | kDriver | kFeaturesOk | kDriverOk);
  EXPECT_EQ(calls.resets, 0);
  EXPECT_EQ(queue_state(0), (QueueState{true, kQueueSize, ring0.desc, ring0.avail, ring0.used}));
}

TEST_F(MmioTest, NarrowWideAndMisalignedReadsAreSane) {
  // Exactly sized buffers: a write past one is an error a sanitized build reports.
  std::array<uint8_t, 1> one{};
  std::array<uint8_t, 2> two{};
  std::array<uint8_t, 8> eight{};
  transport.mmio_read(kMagic, one);
  EXPECT_EQ(one[0], 0x76);  // 'v'
  transport.mmio_read(kMagic, two);
  EXPECT_EQ(two, (std::array<uint8_t, 2>{0x76, 0x69}));  // "vi"
  eight.fill(0xff);
  transport.mmio_read(kMagic, eight);
  EXPECT_EQ(eight, (std::array<uint8_t, 8>{0x76, 0x69, 0x72, 0x74, 0, 0, 0, 0}));
  // Inside a register rather than at its start: not a register.
  for (const uint64_t off : {kMagic + 1, kMagic + 2, kVersion + 3, kStatus + 1}) {
    transport.mmio_read(off, two);
    EXPECT_EQ(two, (std::array<uint8_t, 2>{}));
  }
  transport.mmio_read(kMagic, std::span<uint8_t>{});
  transport.mmio_read(kConfig, std::span<uint8_t>{});
}

TEST_F(MmioTest, NarrowAndMisalignedWritesAreSane) {
  bring_up();
  // A one-byte write of 2 to QueueSel selects queue 2 (none); two bytes of 0x0001 select queue 1.
  const std::array<uint8_t, 1> sel2{2};
  transport.mmio_write(kQueueSel, sel2);
  EXPECT_EQ(read32(kQueueNumMax), 0u);
  const std::array<uint8_t, 2> sel1{1, 0};
  transport.mmio_write(kQueueSel, sel1);
  EXPECT_EQ(read32(kQueueNumMax), Virtqueue::kMaxSize);
  // Eight bytes: the low four count.
  const std::array<uint8_t, 8> sel_wide{0, 0, 0, 0, 1, 1, 1, 1};
  transport.mmio_write(kQueueSel, sel_wide);
  EXPECT_EQ(read32(kQueueReady), 1u);  // queue 0
  // Inside Status rather than at its start: ignored (a zero Status would reset).
  const std::array<uint8_t, 1> zero{0};
  transport.mmio_write(kStatus + 1, zero);
  transport.mmio_write(kStatus + 2, sel1);
  EXPECT_EQ(calls.resets, 0);
  EXPECT_EQ(read32(kStatus), kAcknowledge | kDriver | kFeaturesOk | kDriverOk);
}

}  // namespace
}  // namespace ppc::vmm
