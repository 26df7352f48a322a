#include "virtio/mmio.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <thread>
#include <vector>

#include "bus/event_wiring.h"
#include "event_loop.h"
#include "memory/guest_memory.h"

namespace ppc::vmm {
namespace {

constexpr uint64_t kBase = 0x10000000000ull;
constexpr uint32_t kUsedBuffersIrq = 0x1000;

struct FakeWiring final : EventWiring {
  struct IoEventFd {
    uint64_t addr;
    uint32_t len;
    uint64_t datamatch;
    int fd;
  };
  void register_irqfd(int fd, uint32_t gsi) override {
    if (gsi == kUsedBuffersIrq) irqfd = fd;
  }
  void register_ioeventfd(uint64_t addr, uint32_t len, uint64_t datamatch, int fd) override {
    ioeventfds.push_back({addr, len, datamatch, fd});
  }
  void register_address_ioeventfd(uint64_t, int) override {}
  int irqfd = -1;
  std::vector<IoEventFd> ioeventfds;
};

// A device whose two queues another process serves (vhost-user).
class ExternalDevice final : public VirtioDevice {
 public:
  std::string name() const override { return "external"; }
  uint32_t device_id() const override { return 26; }
  uint64_t features() const override { return 0; }
  size_t queue_count() const override { return 2; }
  void read_config(uint64_t, std::span<uint8_t> out) const override { std::fill(out.begin(), out.end(), 0); }
  bool external_queues() const override { return true; }
  void connect_external_queues(const GuestMemory&, std::span<const int> fds, int call_fd) override {
    kicks.assign(fds.begin(), fds.end());
    call = call_fd;
  }
  void activate(std::vector<Virtqueue>&, uint64_t, std::function<void(uint16_t)> notify) override { notify_used = notify; }
  void queue_notify(uint16_t) override { ++queue_notifies; }
  void reset() override { notify_used = nullptr; }

  std::vector<int> kicks;
  int call = -1;
  std::function<void(uint16_t)> notify_used;
  int queue_notifies = 0;
};

class MmioExternalQueues : public ::testing::Test {
 protected:
  void SetUp() override {
    auto device = std::make_unique<ExternalDevice>();
    device_ = device.get();
    transport_ = std::make_unique<MmioTransport>(mem_, loop_, std::move(device), kBase,
                                                 MmioTransport::Interrupts{kUsedBuffersIrq, kUsedBuffersIrq + 1});
    transport_->connect(wiring_);
    loop_thread_ = std::thread([this] { loop_.run(); });
  }
  void TearDown() override {
    loop_.stop();
    loop_thread_.join();
  }
  uint32_t read(uint64_t offset) {
    std::array<uint8_t, 4> d{};
    transport_->mmio_read(offset, d);
    return d[0] | d[1] << 8 | d[2] << 16 | static_cast<uint32_t>(d[3]) << 24;
  }
  void write(uint64_t offset, uint32_t v) {
    const std::array<uint8_t, 4> d = {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v >> 16),
                                      static_cast<uint8_t>(v >> 24)};
    transport_->mmio_write(offset, d);
  }
  static uint64_t pending(int fd) {
    uint64_t count = 0;
    return ::read(fd, &count, sizeof count) == sizeof count ? count : 0;
  }
  // Queue 1 ready, features VERSION_1 accepted, DRIVER_OK.
  void drive_to_driver_ok() {
    write(0x070, 1 | 2);
    write(0x024, 1);
    write(0x020, 1);  // VERSION_1 (bit 32)
    write(0x070, 1 | 2 | 8);
    write(0x030, 1);
    write(0x038, 8);
    write(0x080, 0x1000);
    write(0x090, 0x2000);
    write(0x0a0, 0x3000);
    write(0x044, 1);
    write(0x070, 1 | 2 | 8 | 4);
  }

  GuestMemory mem_{1 << 20, RamBacking::Shared};
  EventLoop loop_;
  FakeWiring wiring_;
  ExternalDevice* device_ = nullptr;
  std::unique_ptr<MmioTransport> transport_;
  std::thread loop_thread_;
};

TEST_F(MmioExternalQueues, TheTransportAddsNoEventIdxTheBackendDecides) {
  write(0x014, 0);  // DeviceFeaturesSel
  EXPECT_EQ(read(0x010), 0u);  // the device offers nothing: no EVENT_IDX (bit 29) from us
  write(0x014, 1);
  EXPECT_EQ(read(0x010), 1u);  // VERSION_1
}

TEST_F(MmioExternalQueues, SharedMemoryRegistersSayThereIsNone) {
  write(0x0ac, 0);
  for (const uint64_t reg : {0x0b0, 0x0b4, 0x0b8, 0x0bc}) EXPECT_EQ(read(reg), 0xffffffffu) << reg;
  write(0x0ac, 5);
  EXPECT_EQ(read(0x0b0), 0xffffffffu);
}

TEST_F(MmioExternalQueues, TheDeviceGetsTheQueueNotifierEventfdsAndTheLoopLeavesThemAlone) {
  ASSERT_EQ(wiring_.ioeventfds.size(), 3u);  // the queues, then the used-buffer ack
  ASSERT_EQ(device_->kicks.size(), 2u);
  for (uint16_t q = 0; q < 2; ++q) {
    EXPECT_EQ(wiring_.ioeventfds[q].addr, kBase + 0x050);
    EXPECT_EQ(wiring_.ioeventfds[q].datamatch, q);
    EXPECT_EQ(wiring_.ioeventfds[q].fd, device_->kicks[q]);
  }
  // A guest kick (KVM signalling the eventfd) stays there for the backend to read.
  const uint64_t one = 1;
  ASSERT_EQ(::write(device_->kicks[1], &one, sizeof one), 8);
  loop_.run_and_wait([] {});
  EXPECT_EQ(pending(device_->kicks[1]), 1u);
  EXPECT_EQ(device_->queue_notifies, 0);
}

TEST_F(MmioExternalQueues, TheBackendSignalsTheUsedBufferIrqfdAndEveryInterruptOfALiveDeviceReadsAsAUsedBuffer) {
  ASSERT_GE(wiring_.irqfd, 0);
  EXPECT_EQ(device_->call, wiring_.irqfd);
  EXPECT_EQ(read(0x060), 0u);  // InterruptStatus before DRIVER_OK: nothing
  drive_to_driver_ok();
  // The backend raises the interrupt without the transport seeing it: the status must still
  // tell Linux to look at the queues, even after the driver acknowledged an earlier one.
  EXPECT_EQ(read(0x060), 1u);
  write(0x064, 1);
  EXPECT_EQ(read(0x060), 1u);
  write(0x070, 0);  // reset: the device is no longer live
  EXPECT_EQ(read(0x060), 0u);
}

TEST_F(MmioExternalQueues, StrayKicksReachTheBackend) {
  drive_to_driver_ok();
  // A notification that reached the transport as an MMIO write goes to the queue's eventfd.
  write(0x050, 1);
  loop_.run_and_wait([] {});
  EXPECT_EQ(pending(device_->kicks[1]), 1u);
  EXPECT_EQ(pending(device_->kicks[0]), 0u);
  EXPECT_EQ(device_->queue_notifies, 0);
}

}  // namespace
}  // namespace ppc::vmm
