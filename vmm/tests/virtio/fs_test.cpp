#include "virtio/fs.h"

#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "base/error.h"
#include "event_loop.h"
#include "memory/guest_memory.h"
#include "virtio/fake_vhost_user_backend.h"

namespace ppc::vmm {
namespace {

using namespace std::chrono_literals;
using testing::BackendMessage;
using testing::FakeBackend;

constexpr uint32_t kSetFeatures = 2, kSetMemTable = 5, kSetVringNum = 8, kSetVringAddr = 9, kSetVringBase = 10,
                   kGetVringBase = 11, kSetVringKick = 12, kSetVringCall = 13, kSetVringEnable = 18;
constexpr uint64_t kRam = 1 << 20;
constexpr size_t kStartMessages = 4;  // GET_FEATURES, GET/SET_PROTOCOL_FEATURES, SET_OWNER

std::vector<uint32_t> requests(const std::vector<BackendMessage>& messages, size_t from = 0) {
  std::vector<uint32_t> out;
  for (size_t i = from; i < messages.size(); ++i) out.push_back(messages[i].request);
  return out;
}

// A device on a running event loop, its fake backend, shared guest RAM and the transport's
// part: queues the driver set up and their kick eventfds.
class FsDeviceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    loop_thread_ = std::thread([this] { loop_.run(); });
    for (auto& fd : kicks_) fd.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    call_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    for (uint16_t q = 0; q < 2; ++q) {
      queues_.emplace_back(mem_);
      Virtqueue& vq = queues_.back();
      vq.set_size(8);
      vq.set_desc_table(0x1000 + q * 0x1000);
      vq.set_avail_ring(0x1400 + q * 0x1000);
      vq.set_used_ring(0x1800 + q * 0x1000);
    }
  }
  void TearDown() override {
    loop_.stop();
    loop_thread_.join();
  }

  // Builds the device (on the loop thread, as the transport would call it) and connects it.
  void make_device(FakeBackend::Handler handler = FakeBackend::virtiofsd()) {
    backend_.serve(handler);
    on_loop([&] { device_ = std::make_unique<FsDevice>(loop_, "myshare", backend_.take_frontend_end(), 20s); });
    const std::array<int, 2> kicks = {kicks_[0].get(), kicks_[1].get()};
    device_->connect_external_queues(mem_, kicks, call_.get());
  }
  void on_loop(const std::function<void()>& fn) { loop_.run_and_wait(fn); }
  void activate(uint64_t features) {
    on_loop([&] { device_->activate(queues_, features, [](uint16_t) { ADD_FAILURE() << "the VMM relayed a call"; }); });
  }
  void destroy() { on_loop([&] { device_.reset(); }); }

  EventLoop loop_;
  std::thread loop_thread_;
  GuestMemory mem_{kRam, RamBacking::Shared};
  std::vector<Virtqueue> queues_;
  std::array<UniqueFd, 2> kicks_;
  UniqueFd call_;  // the transport's irqfd
  FakeBackend backend_;
  std::unique_ptr<FsDevice> device_;
};

TEST(FsDevice, TagsLinuxWouldRefuseAreRefused) {
  EXPECT_THROW(FsDevice::check_tag(""), Error);
  EXPECT_THROW(FsDevice::check_tag(std::string(37, 'x')), Error);
  EXPECT_THROW(FsDevice::check_tag("a\nb"), Error);
  EXPECT_NO_THROW(FsDevice::check_tag(std::string(36, 'x')));
}

TEST_F(FsDeviceTest, ConfigSpaceIsTheTagThenOneRequestQueue) {
  make_device();
  std::array<uint8_t, 48> config{};
  config.fill(0xee);
  device_->read_config(0, config);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(config.data())), "myshare");
  for (size_t i = 7; i < 36; ++i) EXPECT_EQ(config[i], 0) << i;  // NUL-padded
  EXPECT_EQ(config[36], 1);  // le32 num_request_queues
  EXPECT_EQ(config[37] | config[38] | config[39], 0);
  for (size_t i = 40; i < config.size(); ++i) EXPECT_EQ(config[i], 0) << i;  // past the end
  std::array<uint8_t, 4> tail{};
  device_->read_config(36, tail);
  EXPECT_EQ(tail, (std::array<uint8_t, 4>{1, 0, 0, 0}));
  device_->read_config(UINT64_MAX - 1, tail);
  EXPECT_EQ(tail, (std::array<uint8_t, 4>{0, 0, 0, 0}));
  EXPECT_EQ(device_->device_id(), 26u);
  EXPECT_EQ(device_->queue_count(), 2u);
  destroy();
}

TEST_F(FsDeviceTest, ConnectSharesGuestRamAndOffersIndirectDescriptorsAndEventIndices) {
  make_device();
  const auto got = backend_.wait_for(kStartMessages + 1);
  ASSERT_EQ(got.size(), kStartMessages + 1);
  const BackendMessage& table = got[kStartMessages];
  EXPECT_EQ(table.request, kSetMemTable);
  EXPECT_TRUE(table.need_reply());
  EXPECT_EQ(table.field<uint32_t>(0), 1u);
  EXPECT_EQ(table.field<uint64_t>(8), 0u);
  EXPECT_EQ(table.field<uint64_t>(16), kRam);
  EXPECT_EQ(table.field<uint64_t>(24), reinterpret_cast<uint64_t>(mem_.host_base()));
  ASSERT_EQ(table.fds.size(), 1u);
  struct stat ours {}, theirs {};
  ASSERT_EQ(::fstat(mem_.fd(), &ours), 0);
  ASSERT_EQ(::fstat(table.fds[0]->get(), &theirs), 0);
  EXPECT_EQ(ours.st_ino, theirs.st_ino);
  // virtiofsd's own transport features pass; protocol features (bit 30) are ours alone.
  EXPECT_EQ(device_->features(), FsDevice::kFeatureIndirectDesc | FsDevice::kFeatureEventIdx);
  destroy();
}

TEST_F(FsDeviceTest, ABackendWithoutIndirectDescriptorsGetsAGuestWithout) {
  make_device(FakeBackend::virtiofsd((1ull << 32) | (1ull << 30)));
  EXPECT_EQ(device_->features(), 0u);
  destroy();
}

TEST_F(FsDeviceTest, ABackendWithoutVersion1IsRefused) {
  backend_.serve(FakeBackend::virtiofsd(FsDevice::kFeatureIndirectDesc | (1ull << 30)));
  on_loop([&] { device_ = std::make_unique<FsDevice>(loop_, "t", backend_.take_frontend_end(), 20s); });
  const std::array<int, 2> kicks = {kicks_[0].get(), kicks_[1].get()};
  try {
    device_->connect_external_queues(mem_, kicks, call_.get());
    FAIL() << "connected";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("VIRTIO_F_VERSION_1"), std::string::npos) << e.what();
  }
  destroy();
}

TEST_F(FsDeviceTest, PrivateGuestRamIsRefused) {
  GuestMemory private_ram(kRam);
  backend_.serve();
  on_loop([&] { device_ = std::make_unique<FsDevice>(loop_, "t", backend_.take_frontend_end(), 20s); });
  const std::array<int, 2> kicks = {kicks_[0].get(), kicks_[1].get()};
  EXPECT_THROW(device_->connect_external_queues(private_ram, kicks, call_.get()), Error);
  destroy();
}

TEST_F(FsDeviceTest, ActivationHandsEachReadyQueueToTheBackend) {
  make_device();
  for (auto& q : queues_) ASSERT_TRUE(q.enable());
  const uint64_t version1 = 1ull << 32;
  activate(version1 | FsDevice::kFeatureIndirectDesc);
  const size_t first = kStartMessages + 1;
  const auto got = backend_.wait_for(first + 1 + 2 * 6);
  const std::vector<uint32_t> per_queue = {kSetVringNum, kSetVringBase, kSetVringAddr, kSetVringCall, kSetVringKick,
                                           kSetVringEnable};
  std::vector<uint32_t> want = {kSetFeatures};
  for (int q = 0; q < 2; ++q) want.insert(want.end(), per_queue.begin(), per_queue.end());
  ASSERT_EQ(requests(got, first), want);
  for (size_t i = first; i < got.size(); ++i) EXPECT_TRUE(got[i].need_reply()) << i;
  // The guest's features with "protocol features" kept on for the backend.
  EXPECT_EQ(got[first].field<uint64_t>(0), version1 | FsDevice::kFeatureIndirectDesc | (1ull << 30));
  const auto host = [&](uint64_t gpa) { return reinterpret_cast<uint64_t>(mem_.host_base()) + gpa; };
  for (uint32_t q = 0; q < 2; ++q) {
    SCOPED_TRACE(q);
    const BackendMessage* m = &got[first + 1 + 6 * q];
    EXPECT_EQ(m[0].field<uint32_t>(0), q);
    EXPECT_EQ(m[0].field<uint32_t>(4), 8u);  // NUM
    EXPECT_EQ(m[1].field<uint32_t>(0), q);
    EXPECT_EQ(m[1].field<uint32_t>(4), 0u);  // BASE
    EXPECT_EQ(m[2].field<uint32_t>(0), q);   // ADDR: flags, desc, used, avail, log
    EXPECT_EQ(m[2].field<uint32_t>(4), 0u);
    EXPECT_EQ(m[2].field<uint64_t>(8), host(0x1000 + q * 0x1000));
    EXPECT_EQ(m[2].field<uint64_t>(16), host(0x1800 + q * 0x1000));
    EXPECT_EQ(m[2].field<uint64_t>(24), host(0x1400 + q * 0x1000));
    EXPECT_EQ(m[3].field<uint64_t>(0), q);  // CALL: the transport's irqfd itself
    ASSERT_EQ(m[3].fds.size(), 1u);
    const uint64_t call = 1;
    ASSERT_EQ(::write(m[3].fds[0]->get(), &call, sizeof call), 8);
    uint64_t calls = 0;
    EXPECT_EQ(::read(call_.get(), &calls, sizeof calls), 8);
    EXPECT_EQ(m[4].field<uint64_t>(0), q);  // KICK: the transport's eventfd
    ASSERT_EQ(m[4].fds.size(), 1u);
    const uint64_t one = 1;
    ASSERT_EQ(::write(m[4].fds[0]->get(), &one, sizeof one), 8);
    uint64_t count = 0;
    EXPECT_EQ(::read(kicks_[q].get(), &count, sizeof count), 8);
    EXPECT_EQ(m[5].field<uint32_t>(0), q);
    EXPECT_EQ(m[5].field<uint32_t>(4), 1u);  // ENABLE
  }

  // A reset stops both rings.
  on_loop([&] { device_->reset(); });
  const auto after = backend_.wait_for(got.size() + 2);
  ASSERT_EQ(requests(after, got.size()), (std::vector<uint32_t>{kGetVringBase, kGetVringBase}));
  EXPECT_EQ(after[got.size()].field<uint32_t>(0), 0u);
  EXPECT_EQ(after[got.size() + 1].field<uint32_t>(0), 1u);
  EXPECT_FALSE(device_->backend_failed());
  destroy();
}

// The FUSE session lives in virtiofsd: a snapshot takes the device only unused (the transport
// checks it: MmioTest.ADeviceSavedOnlyUnusedIsRefusedOnceItsDriverMadeABufferAvailable).
TEST_F(FsDeviceTest, IsSavedOnlyUnused) {
  make_device();
  EXPECT_NE(device_->saved_only_unused().find("FUSE session"), std::string::npos);
  destroy();
}

TEST_F(FsDeviceTest, AQueueTheDriverDidNotSetUpIsNotStarted) {
  make_device();
  ASSERT_TRUE(queues_[1].enable());
  activate(1ull << 32);
  const size_t first = kStartMessages + 1;
  const auto got = backend_.wait_for(first + 7);
  ASSERT_EQ(got.size(), first + 7);
  for (size_t i = first + 1; i < got.size(); ++i) EXPECT_EQ(got[i].field<uint32_t>(0), 1u) << i;
  on_loop([&] { device_->reset(); });
  const auto after = backend_.wait_for(got.size() + 1);
  ASSERT_EQ(requests(after, got.size()), (std::vector<uint32_t>{kGetVringBase}));
  destroy();
}

TEST_F(FsDeviceTest, ARefusedActivationLeavesTheDeviceInertNotTheVmm) {
  make_device([](const BackendMessage& m, FakeBackend& b) {
    if (m.request == kSetVringAddr) {
      b.reply_u64(m.request, 1);
      return true;
    }
    return FakeBackend::virtiofsd()(m, b);
  });
  for (auto& q : queues_) ASSERT_TRUE(q.enable());
  activate(1ull << 32);
  EXPECT_TRUE(device_->backend_failed());
  // Nothing more goes to the backend; a reset and a new activation do not throw.
  const size_t sent = backend_.received().size();
  on_loop([&] { device_->reset(); });
  activate(1ull << 32);
  backend_.stop();
  EXPECT_EQ(backend_.received().size(), sent);
  destroy();
}

TEST_F(FsDeviceTest, TheBackendHangingUpIsNoticedOnTheLoop) {
  make_device();
  EXPECT_FALSE(device_->backend_failed());
  backend_.stop();
  bool failed = false;
  for (int i = 0; i < 400 && !failed; ++i) {
    std::this_thread::sleep_for(5ms);
    on_loop([&] { failed = device_->backend_failed(); });
  }
  EXPECT_TRUE(failed);
  for (auto& q : queues_) ASSERT_TRUE(q.enable());
  activate(1ull << 32);  // no throw, nothing sent
  on_loop([&] { device_->reset(); });
  destroy();
}

}  // namespace
}  // namespace ppc::vmm
