#include "virtio/rng.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include "virtio/device_test_fixture.h"

namespace ppc::vmm {
namespace {

constexpr uint8_t kUntouched = 0xa5;  // what buffers hold before the device fills them
constexpr uint64_t kA = DeviceTest::kBuffers, kB = kA + 0x20000, kC = kB + 0x20000;

class RngTest : public DeviceTest {
 protected:
  void SetUp() override {
    std::memset(mem.host_base() + kBuffers, kUntouched, kRam - kBuffers);
    activate(rng);
  }

  // True when every 16-byte window of [gpa, gpa + len) holds some byte other than
  // kUntouched (len >= 16). A filled window fails this with probability 2^-128: a failure means bytes
  // were left unfilled, not bad luck.
  bool filled(uint64_t gpa, uint64_t len) const {
    const uint8_t* p = mem.host_base() + gpa;
    for (uint64_t at = 0; at < len; at += 16) {
      const uint64_t start = std::min(at, len - 16);
      if (std::all_of(p + start, p + start + 16, [](uint8_t b) { return b == kUntouched; })) return false;
    }
    return true;
  }

  bool untouched(uint64_t gpa, uint64_t len) const {
    const uint8_t* p = mem.host_base() + gpa;
    return std::all_of(p, p + len, [](uint8_t b) { return b == kUntouched; });
  }

  RngDevice rng;
};

TEST_F(RngTest, FillsEveryWritableBufferCompletelyAndReportsTheLength) {
  const uint16_t head = post_chain(3, {{kA, 100, true}, {kB, 300, true}});
  rng.queue_notify(0);
  ASSERT_EQ(ring.used_idx(), 1);
  EXPECT_EQ(ring.used_id(0), head);
  EXPECT_EQ(ring.used_len(0), 400u);
  EXPECT_TRUE(filled(kA, 100));
  EXPECT_TRUE(filled(kB, 300));
  EXPECT_TRUE(untouched(kA + 100, 16)) << "wrote past the first buffer";
  EXPECT_TRUE(untouched(kB + 300, 16)) << "wrote past the second buffer";
  EXPECT_EQ(interrupts, std::vector<uint16_t>{0});
}

TEST_F(RngTest, TwoFillsDiffer) {
  post_chain(0, {{kA, 64, true}});
  post_chain(1, {{kB, 64, true}});
  rng.queue_notify(0);
  ASSERT_EQ(ring.used_idx(), 2);
  EXPECT_TRUE(filled(kA, 64));
  EXPECT_NE(std::memcmp(mem.host_base() + kA, mem.host_base() + kB, 64), 0);
  // The same buffer again gets new bytes.
  std::array<uint8_t, 64> first{};
  std::memcpy(first.data(), mem.host_base() + kA, first.size());
  post_chain(0, {{kA, 64, true}});
  rng.queue_notify(0);
  ASSERT_EQ(ring.used_idx(), 3);
  EXPECT_NE(std::memcmp(first.data(), mem.host_base() + kA, first.size()), 0);
}

TEST_F(RngTest, ReadableBuffersAreNotWrittenNorCounted) {
  post_chain(0, {{kA, 64, false}, {kB, 32, true}});
  rng.queue_notify(0);
  ASSERT_EQ(ring.used_idx(), 1);
  EXPECT_EQ(ring.used_len(0), 32u);
  EXPECT_TRUE(untouched(kA, 64));
  EXPECT_TRUE(filled(kB, 32));

  post_chain(2, {{kC, 128, false}});  // nothing to fill: returned empty
  rng.queue_notify(0);
  ASSERT_EQ(ring.used_idx(), 2);
  EXPECT_EQ(ring.used_len(1), 0u);
  EXPECT_TRUE(untouched(kC, 128));
}

// The device bounds the work one request can ask for at 64 KiB.
TEST_F(RngTest, OneRequestGetsAtMost64KiB) {
  post_chain(0, {{kA, 40 * 1024, true}, {kB, 40 * 1024, true}, {kC, 16, true}});
  rng.queue_notify(0);
  ASSERT_EQ(ring.used_idx(), 1);
  EXPECT_EQ(ring.used_len(0), 64u * 1024);
  EXPECT_TRUE(filled(kA, 40 * 1024));
  EXPECT_TRUE(filled(kB, 24 * 1024));
  EXPECT_TRUE(untouched(kB + 24 * 1024, 16 * 1024));
  EXPECT_TRUE(untouched(kC, 16));
}

TEST_F(RngTest, EveryAvailableChainIsServedWithOneInterrupt) {
  for (uint16_t i = 0; i < 5; ++i) post_chain(i, {{kA + 0x100 * i, 16, true}});
  rng.queue_notify(0);
  ASSERT_EQ(ring.used_idx(), 5);
  for (uint16_t i = 0; i < 5; ++i) {
    EXPECT_EQ(ring.used_id(i), i);
    EXPECT_EQ(ring.used_len(i), 16u);
  }
  EXPECT_EQ(interrupts, std::vector<uint16_t>{0});
}

TEST_F(RngTest, NoInterruptWhenNothingWasAvailable) {
  rng.queue_notify(0);
  EXPECT_TRUE(interrupts.empty());
}

TEST_F(RngTest, NotificationsForOtherQueuesOrAfterResetAreIgnored) {
  post_chain(0, {{kA, 16, true}});
  rng.queue_notify(1);
  rng.queue_notify(0xffff);
  EXPECT_EQ(ring.used_idx(), 0);
  rng.reset();
  rng.queue_notify(0);
  EXPECT_EQ(ring.used_idx(), 0);
  EXPECT_TRUE(untouched(kA, 16));
  EXPECT_TRUE(interrupts.empty());
}

TEST_F(RngTest, ConfigSpaceReadsZero) {
  std::array<uint8_t, 8> out;
  out.fill(0xff);
  rng.read_config(0, out);
  EXPECT_EQ(out, (std::array<uint8_t, 8>{}));
}

}  // namespace
}  // namespace ppc::vmm
