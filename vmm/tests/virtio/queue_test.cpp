#include "virtio/queue.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "base/error.h"
#include "memory/guest_memory.h"
#include "virtio/fake_driver_ring.h"

namespace ppc::vmm {
namespace {

// Rings are built by hand in guest RAM (fake_driver_ring.h).
constexpr uint64_t kRam = 1 << 20;
constexpr uint64_t kDesc = 0x1000, kAvail = 0x2000, kUsed = 0x3000;
constexpr uint64_t kIndirect = 0x8000;  // where the tests put indirect tables
constexpr uint16_t kNext = Virtqueue::kDescNext, kWrite = Virtqueue::kDescWrite, kIndir = Virtqueue::kDescIndirect;

class QueueTest : public ::testing::Test {
 protected:
  GuestMemory mem{kRam};
  Virtqueue q{mem};
  FakeDriverRing ring{mem, kDesc, kAvail, kUsed};

  bool configure(uint16_t size, uint64_t desc = kDesc, uint64_t avail = kAvail, uint64_t used = kUsed) {
    return FakeDriverRing{mem, desc, avail, used}.enable(q, size);
  }

  // Writes descriptor i of the table at `table`.
  void desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next = 0, uint64_t table = kDesc) const {
    write_descriptor(mem, table, i, addr, len, flags, next);
  }

  void make_available(uint16_t head) const { ring.make_available(head, q.size()); }
  void set_avail_idx(uint16_t idx) const { ring.set_avail_idx(idx); }
  uint16_t used_idx() const { return ring.used_idx(); }
  uint32_t used_id(uint16_t slot) const { return ring.used_id(slot); }
  uint32_t used_len(uint16_t slot) const { return ring.used_len(slot); }

  // pop() must throw a QueueError whose message contains `what`.
  void expect_pop_throws(const std::string& what) {
    try {
      q.pop();
      ADD_FAILURE() << "pop() accepted a malformed chain (expected \"" << what << "\")";
    } catch (const QueueError& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  }
};

// --- enable() ---------------------------------------------------------------------------

TEST_F(QueueTest, EnableRefusesBadSizes) {
  EXPECT_FALSE(configure(0));
  EXPECT_FALSE(configure(3));
  EXPECT_FALSE(configure(96));
  EXPECT_FALSE(configure(512));  // power of two, but above kMaxSize
  EXPECT_FALSE(configure(0x8000));
  EXPECT_FALSE(q.ready());
  EXPECT_TRUE(configure(Virtqueue::kMaxSize));
  EXPECT_TRUE(q.ready());

  Virtqueue small(mem, 16);
  EXPECT_EQ(small.max_size(), 16);
  small.set_size(32);
  small.set_desc_table(kDesc);
  small.set_avail_ring(kAvail);
  small.set_used_ring(kUsed);
  EXPECT_FALSE(small.enable());
  small.set_size(16);
  EXPECT_TRUE(small.enable());
  small.set_size(1);
  EXPECT_TRUE(small.enable());
}

TEST_F(QueueTest, EnableRefusesMisalignedRings) {
  EXPECT_FALSE(configure(8, kDesc + 8, kAvail, kUsed));  // descriptors: 16-byte aligned
  EXPECT_FALSE(configure(8, kDesc + 1, kAvail, kUsed));
  EXPECT_FALSE(configure(8, kDesc, kAvail + 1, kUsed));  // avail: 2-byte aligned
  EXPECT_FALSE(configure(8, kDesc, kAvail, kUsed + 2));  // used: 4-byte aligned
  EXPECT_FALSE(q.ready());
  EXPECT_TRUE(configure(8, kDesc + 16, kAvail + 2, kUsed + 4));
}

TEST_F(QueueTest, EnableRefusesRingsOutsideRam) {
  constexpr uint16_t n = 16;
  // Exactly at the end of RAM fits; one step further does not.
  EXPECT_TRUE(configure(n, kRam - 16 * n, kAvail, kUsed));
  EXPECT_FALSE(configure(n, kRam - 16 * n + 16, kAvail, kUsed));
  EXPECT_TRUE(configure(n, kDesc, kRam - (6 + 2 * n), kUsed));
  EXPECT_FALSE(configure(n, kDesc, kRam - (6 + 2 * n) + 2, kUsed));
  EXPECT_TRUE(configure(n, kDesc, kAvail, kRam - (6 + 8 * n) - 2));  // keep 4-byte alignment
  EXPECT_FALSE(configure(n, kDesc, kAvail, kRam - (6 + 8 * n) + 2));
  EXPECT_FALSE(configure(n, kRam, kAvail, kUsed));
  EXPECT_FALSE(configure(n, kDesc, kRam, kUsed));
  EXPECT_FALSE(configure(n, kDesc, kAvail, kRam));
  // Near the top of the address space, where gpa + length wraps around.
  EXPECT_FALSE(configure(n, UINT64_MAX & ~uint64_t{15}, kAvail, kUsed));
  EXPECT_FALSE(configure(n, kDesc, UINT64_MAX - 1, kUsed));
  EXPECT_FALSE(configure(n, kDesc, kAvail, UINT64_MAX - 3));
  EXPECT_FALSE(configure(n, uint64_t{1} << 63, kAvail, kUsed));
  EXPECT_FALSE(q.ready());
}

// --- pop() and chains -------------------------------------------------------------------

TEST_F(QueueTest, PopReturnsNulloptWhenNotReadyOrEmpty) {
  EXPECT_FALSE(q.pop().has_value());  // never enabled
  ASSERT_TRUE(configure(8));
  EXPECT_FALSE(q.pop().has_value());
  desc(0, 0x10000, 4, 0);
  make_available(0);
  EXPECT_TRUE(q.pop().has_value());
  EXPECT_FALSE(q.pop().has_value());  // consumed
}

TEST_F(QueueTest, ReadableThenWritableChainGivesSpansAndGathersAcrossBuffers) {
  ASSERT_TRUE(configure(8));
  desc(5, 0x10000, 10, kNext, 2);
  desc(2, 0x11000, 6, kNext, 7);
  desc(7, 0x12000, 4, kWrite | kNext, 1);
  desc(1, 0x13000, 8, kWrite);
  for (uint8_t i = 0; i < 10; ++i) mem.host_base()[0x10000 + i] = i;
  for (uint8_t i = 0; i < 6; ++i) mem.host_base()[0x11000 + i] = 10 + i;
  make_available(5);

  const auto chain = q.pop();
  ASSERT_TRUE(chain.has_value());
  EXPECT_EQ(chain->head, 5);
  ASSERT_EQ(chain->readable.size(), 2u);
  ASSERT_EQ(chain->writable.size(), 2u);
  EXPECT_EQ(chain->readable[0].data(), mem.host_base() + 0x10000);
  EXPECT_EQ(chain->readable[0].size(), 10u);
  EXPECT_EQ(chain->readable[1].data(), mem.host_base() + 0x11000);
  EXPECT_EQ(chain->readable[1].size(), 6u);
  EXPECT_EQ(chain->writable[0].data(), mem.host_base() + 0x12000);
  EXPECT_EQ(chain->writable[0].size(), 4u);
  EXPECT_EQ(chain->writable[1].data(), mem.host_base() + 0x13000);
  EXPECT_EQ(chain->writable[1].size(), 8u);
  EXPECT_EQ(chain->readable_bytes(), 16u);
  EXPECT_EQ(chain->writable_bytes(), 12u);

  // read(): from offset 8, across the boundary of the first buffer.
  std::array<uint8_t, 5> five{};
  EXPECT_EQ(chain->read(8, five), 5u);
  EXPECT_EQ(five, (std::array<uint8_t, 5>{8, 9, 10, 11, 12}));
  // All of it, and past the end: only what there is.
  std::array<uint8_t, 20> all{};
  EXPECT_EQ(chain->read(0, all), 16u);
  for (uint8_t i = 0; i < 16; ++i) EXPECT_EQ(all[i], i);
  EXPECT_EQ(chain->read(14, all), 2u);
  EXPECT_EQ(all[0], 14);
  EXPECT_EQ(all[1], 15);
  EXPECT_EQ(chain->read(16, all), 0u);
  EXPECT_EQ(chain->read(1000, all), 0u);
  EXPECT_EQ(chain->read(3, std::span<uint8_t>{}), 0u);

  // write(): from offset 2, across the first writable buffer into the second.
  const std::array<uint8_t, 6> in{0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6};
  EXPECT_EQ(chain->write(2, in), 6u);
  const uint8_t* w0 = mem.host_base() + 0x12000;
  const uint8_t* w1 = mem.host_base() + 0x13000;
  EXPECT_EQ(w0[0], 0);
  EXPECT_EQ(w0[1], 0);
  EXPECT_EQ(w0[2], 0xa1);
  EXPECT_EQ(w0[3], 0xa2);
  EXPECT_EQ(w1[0], 0xa3);
  EXPECT_EQ(w1[3], 0xa6);
  EXPECT_EQ(w1[4], 0);
  EXPECT_EQ(mem.host_base()[0x12004], 0);  // nothing written past the first buffer's end
  // Only what fits.
  std::array<uint8_t, 20> big;
  big.fill(0xee);
  EXPECT_EQ(chain->write(9, big), 3u);
  EXPECT_EQ(w1[4], 0);
  EXPECT_EQ(w1[5], 0xee);
  EXPECT_EQ(w1[7], 0xee);
  EXPECT_EQ(mem.host_base()[0x13008], 0);
  EXPECT_EQ(chain->write(12, big), 0u);
  // Readable buffers are never written.
  EXPECT_EQ(mem.host_base()[0x10000 + 9], 9);
}

TEST_F(QueueTest, ZeroLengthDescriptorsAreEmptySpans) {
  ASSERT_TRUE(configure(4));
  desc(0, kRam, 0, kNext, 1);  // zero bytes at the very end of RAM is inside RAM
  desc(1, 0x10000, 0, kWrite);
  make_available(0);
  const auto chain = q.pop();
  ASSERT_TRUE(chain.has_value());
  EXPECT_EQ(chain->readable_bytes(), 0u);
  EXPECT_EQ(chain->writable_bytes(), 0u);
  std::array<uint8_t, 4> buf{};
  EXPECT_EQ(chain->read(0, buf), 0u);
  EXPECT_EQ(chain->write(0, buf), 0u);
}

TEST_F(QueueTest, PushWritesUsedElementAndIndex) {
  ASSERT_TRUE(configure(4));
  q.push(3, 42);
  EXPECT_EQ(used_idx(), 1);
  EXPECT_EQ(used_id(0), 3u);
  EXPECT_EQ(used_len(0), 42u);
  q.push(1, 0xdeadbeef);
  EXPECT_EQ(used_idx(), 2);
  EXPECT_EQ(used_id(1), 1u);
  EXPECT_EQ(used_len(1), 0xdeadbeefu);
  EXPECT_EQ(used_id(0), 3u);  // untouched
  // Slots are reused modulo the size.
  q.push(0, 1);
  q.push(0, 2);
  q.push(2, 7);
  EXPECT_EQ(used_idx(), 5);
  EXPECT_EQ(used_id(0), 2u);
  EXPECT_EQ(used_len(0), 7u);
}

// A snapshot's copy of a queue goes on where the original stopped: the next chain it pops is
// the next the driver made available, its next used element lands in the next slot.
TEST_F(QueueTest, ARestoredQueueGoesOnWhereTheSavedOneStopped) {
  ASSERT_TRUE(configure(4));
  for (uint16_t head = 0; head < 3; ++head) {
    desc(head, 0x100 * (head + 1), 16, Virtqueue::kDescWrite);
    make_available(head);
  }
  q.set_event_idx(true);
  ASSERT_EQ(q.pop()->head, 0);
  q.push(0, 5);
  q.should_notify();  // the interrupt's bookkeeping is saved too
  const QueueState saved = q.state();
  EXPECT_TRUE(saved.ready);
  EXPECT_EQ(saved.next_avail, 1);
  EXPECT_EQ(saved.published_used, 1);
  EXPECT_TRUE(saved.event_idx);
  EXPECT_TRUE(saved.signalled_valid);
  EXPECT_EQ(saved.signalled_used, 1);

  Virtqueue copy(mem);
  copy.restore(saved);
  EXPECT_TRUE(copy.state() == saved);
  EXPECT_TRUE(copy.ready());
  EXPECT_EQ(copy.size(), 4);
  ASSERT_EQ(copy.pop()->head, 1);
  copy.push(1, 6);
  EXPECT_EQ(used_idx(), 2);
  EXPECT_EQ(used_id(1), 1u);
  EXPECT_EQ(used_len(1), 6u);
}

TEST_F(QueueTest, ARestoredReadyQueueMustFitInRam) {
  ASSERT_TRUE(configure(4));
  QueueState saved = q.state();
  saved.avail = kRam - 2;
  Virtqueue copy(mem);
  EXPECT_THROW(copy.restore(saved), Error);
  EXPECT_FALSE(copy.ready());
  saved.ready = false;  // a queue not yet enabled is only its registers
  copy.restore(saved);
  EXPECT_FALSE(copy.ready());
  EXPECT_EQ(copy.avail_ring(), kRam - 2);
}

TEST_F(QueueTest, AddedUsedElementsAppearTogetherWhenPublished) {
  ASSERT_TRUE(configure(4));
  q.add_used(2, 100);
  q.add_used(0, 60);
  EXPECT_EQ(used_idx(), 0) << "the driver must not see part of a packet";
  EXPECT_EQ(used_id(0), 2u);  // written, not yet published
  EXPECT_EQ(used_len(1), 60u);
  q.publish_used();
  EXPECT_EQ(used_idx(), 2);
  q.publish_used();  // nothing new: the index stays
  EXPECT_EQ(used_idx(), 2);
  q.push(3, 1);  // push publishes at once
  EXPECT_EQ(used_idx(), 3);
  EXPECT_EQ(used_id(2), 3u);
}

TEST_F(QueueTest, PushOnAQueueThatIsNotReadyWritesNothing) {
  q.set_size(4);
  q.set_used_ring(kUsed);
  q.push(1, 1);
  EXPECT_EQ(used_idx(), 0);
  EXPECT_EQ(used_id(0), 0u);
}

TEST_F(QueueTest, AvailIndexMoreThanSizeAheadThrows) {
  ASSERT_TRUE(configure(4));
  for (uint16_t i = 0; i < 4; ++i) desc(i, 0x10000, 4, 0);
  set_avail_idx(4);  // exactly size ahead: fine
  EXPECT_TRUE(q.pop().has_value());
  set_avail_idx(1 + 4 + 1);  // now 5 ahead of a queue of 4
  expect_pop_throws("ahead of a queue of 4");
}

TEST_F(QueueTest, AvailIndexBehindTheDeviceThrows) {
  ASSERT_TRUE(configure(4));
  desc(0, 0x10000, 4, 0);
  make_available(0);
  ASSERT_TRUE(q.pop().has_value());
  set_avail_idx(0);  // went backwards: 0 - 1 = 65535 pending
  expect_pop_throws("ahead");
}

TEST_F(QueueTest, BufferOutsideRamThrows) {
  ASSERT_TRUE(configure(4));
  desc(0, kRam - 4, 8, 0);
  make_available(0);
  expect_pop_throws("outside guest RAM");

  ASSERT_TRUE(configure(4));
  set_avail_idx(0);
  desc(0, UINT64_MAX - 1, 4, kWrite);  // wraps around
  make_available(0);
  expect_pop_throws("outside guest RAM");

  ASSERT_TRUE(configure(4));
  set_avail_idx(0);
  desc(0, 0x10000, 4, kNext, 1);  // the second buffer of a chain
  desc(1, kRam, 1, kWrite);
  make_available(0);
  expect_pop_throws("outside guest RAM");
}

TEST_F(QueueTest, HeadOrNextIndexBeyondSizeThrows) {
  ASSERT_TRUE(configure(4));
  mem.store_le16(kAvail + 4, 4);  // head 4 of a queue of 4
  set_avail_idx(1);
  expect_pop_throws("descriptor index 4 beyond table size 4");

  ASSERT_TRUE(configure(4));
  mem.store_le16(kAvail + 4, 0xffff);
  set_avail_idx(1);
  expect_pop_throws("beyond table size");

  ASSERT_TRUE(configure(4));
  desc(0, 0x10000, 4, kNext, 9);
  mem.store_le16(kAvail + 4, 0);
  set_avail_idx(1);
  expect_pop_throws("descriptor index 9 beyond table size 4");
}

TEST_F(QueueTest, DescriptorLoopThrowsInsteadOfHanging) {
  ASSERT_TRUE(configure(8));
  desc(0, 0x10000, 4, kNext, 1);
  desc(1, 0x11000, 4, kNext, 0);
  make_available(0);
  expect_pop_throws("loops");

  ASSERT_TRUE(configure(8));
  set_avail_idx(0);
  desc(3, 0x10000, 0, kNext, 3);  // a zero-length self-loop costs no byte budget
  make_available(3);
  expect_pop_throws("loops");
}

TEST_F(QueueTest, ChainAsLongAsTheQueueIsAccepted) {
  ASSERT_TRUE(configure(8));
  for (uint16_t i = 0; i < 8; ++i) desc(i, 0x10000 + 0x100 * i, 1, i < 7 ? kNext : 0, i + 1);
  make_available(0);
  const auto chain = q.pop();
  ASSERT_TRUE(chain.has_value());
  EXPECT_EQ(chain->readable.size(), 8u);
}

TEST_F(QueueTest, ReadableAfterWritableThrows) {
  ASSERT_TRUE(configure(4));
  desc(0, 0x10000, 4, kWrite | kNext, 1);
  desc(1, 0x11000, 4, kNext, 2);
  desc(2, 0x12000, 4, kWrite);
  make_available(0);
  expect_pop_throws("readable descriptor after a writable one");
}

// --- indirect tables --------------------------------------------------------------------

TEST_F(QueueTest, ValidIndirectTableWorks) {
  ASSERT_TRUE(configure(4));
  desc(0, 0x10000, 3, kNext, 1, kIndirect);
  desc(1, 0x11000, 5, kWrite | kNext, 2, kIndirect);
  desc(2, 0x12000, 7, kWrite, 0, kIndirect);
  desc(2, kIndirect, 3 * 16, kIndir);
  make_available(2);
  const auto chain = q.pop();
  ASSERT_TRUE(chain.has_value());
  EXPECT_EQ(chain->head, 2);
  ASSERT_EQ(chain->readable.size(), 1u);
  ASSERT_EQ(chain->writable.size(), 2u);
  EXPECT_EQ(chain->readable[0].data(), mem.host_base() + 0x10000);
  EXPECT_EQ(chain->readable_bytes(), 3u);
  EXPECT_EQ(chain->writable[0].data(), mem.host_base() + 0x11000);
  EXPECT_EQ(chain->writable[1].data(), mem.host_base() + 0x12000);
  EXPECT_EQ(chain->writable_bytes(), 12u);
  const std::array<uint8_t, 7> in{1, 2, 3, 4, 5, 6, 7};
  EXPECT_EQ(chain->write(3, in), 7u);
  EXPECT_EQ(mem.host_base()[0x11004], 2);
  EXPECT_EQ(mem.host_base()[0x12000], 3);
  EXPECT_EQ(mem.host_base()[0x12004], 7);
  q.push(chain->head, 10);
  EXPECT_EQ(used_id(0), 2u);
  EXPECT_EQ(used_len(0), 10u);
}

TEST_F(QueueTest, DirectDescriptorsThenIndirectTable) {
  ASSERT_TRUE(configure(4));
  desc(0, 0x10000, 2, kNext, 1);
  desc(1, kIndirect, 16, kIndir);
  desc(0, 0x11000, 4, kWrite, 0, kIndirect);
  make_available(0);
  const auto chain = q.pop();
  ASSERT_TRUE(chain.has_value());
  EXPECT_EQ(chain->readable_bytes(), 2u);
  EXPECT_EQ(chain->writable_bytes(), 4u);
}

TEST_F(QueueTest, IndirectLengthNotAMultipleOf16Throws) {
  ASSERT_TRUE(configure(4));
  desc(0, 0x10000, 4, 0, 0, kIndirect);
  desc(0, kIndirect, 24, kIndir);
  make_available(0);
  expect_pop_throws("bad indirect table");

  ASSERT_TRUE(configure(4));
  set_avail_idx(0);
  desc(0, kIndirect, 0, kIndir);  // empty table
  make_available(0);
  expect_pop_throws("bad indirect table");
}

TEST_F(QueueTest, NestedIndirectThrows) {
  ASSERT_TRUE(configure(4));
  desc(0, kIndirect + 0x100, 16, kIndir, 0, kIndirect);
  desc(0, 0x10000, 4, 0, 0, kIndirect + 0x100);
  desc(0, kIndirect, 16, kIndir);
  make_available(0);
  expect_pop_throws("nested indirect");
}

TEST_F(QueueTest, IndirectWithNextThrows) {
  ASSERT_TRUE(configure(4));
  desc(0, 0x10000, 4, 0, 0, kIndirect);
  desc(0, kIndirect, 16, kIndir | kNext, 1);
  desc(1, 0x11000, 4, kWrite);
  make_available(0);
  expect_pop_throws("indirect descriptor with NEXT");
}

TEST_F(QueueTest, IndirectTableOutsideRamThrows) {
  ASSERT_TRUE(configure(4));
  desc(0, kRam - 16, 32, kIndir);
  make_available(0);
  expect_pop_throws("bad indirect table");

  ASSERT_TRUE(configure(4));
  set_avail_idx(0);
  desc(0, UINT64_MAX & ~uint64_t{15}, 32, kIndir);
  make_available(0);
  expect_pop_throws("bad indirect table");
}

TEST_F(QueueTest, MalformedChainInsideIndirectTableThrows) {
  ASSERT_TRUE(configure(4));
  desc(0, 0x10000, 4, kNext, 1, kIndirect);
  desc(1, 0x11000, 4, kNext, 0, kIndirect);  // loop inside the table
  desc(0, kIndirect, 2 * 16, kIndir);
  make_available(0);
  expect_pop_throws("loops");

  ASSERT_TRUE(configure(4));
  set_avail_idx(0);
  desc(0, 0x10000, 4, kNext, 2, kIndirect);  // next beyond a 2-entry table
  make_available(0);
  expect_pop_throws("descriptor index 2 beyond table size 2");

  ASSERT_TRUE(configure(4));
  set_avail_idx(0);
  desc(0, 0x10000, 4, kWrite | kNext, 1, kIndirect);
  desc(1, 0x11000, 4, 0, 0, kIndirect);
  make_available(0);
  expect_pop_throws("readable descriptor after a writable one");
}

// --- the byte budget ----------------------------------------------------------------------

// 1 GiB of buffers is the most a chain may describe. RAM is 1 MiB, so the chain names the
// same megabyte again and again, through an indirect table.
TEST_F(QueueTest, ChainOverOneGibThrows) {
  constexpr uint16_t kEntries = 1025;
  ASSERT_TRUE(configure(4));
  for (uint16_t i = 0; i < kEntries - 1; ++i) desc(i, 0, kRam, i + 2 < kEntries ? kNext : 0, i + 1, kIndirect);
  desc(0, kIndirect, (kEntries - 1) * 16, kIndir);  // 1024 x 1 MiB, exactly 1 GiB: accepted
  make_available(0);
  const auto chain = q.pop();
  ASSERT_TRUE(chain.has_value());
  EXPECT_EQ(chain->readable.size(), kEntries - 1u);
  EXPECT_EQ(chain->readable_bytes(), uint64_t{1} << 30);

  desc(kEntries - 2, 0, kRam, kNext, kEntries - 1, kIndirect);  // one more megabyte
  desc(kEntries - 1, 0, kRam, 0, 0, kIndirect);
  desc(1, kIndirect, kEntries * 16, kIndir);
  make_available(1);
  expect_pop_throws("longer than 1073741824 bytes");

  desc(2, 0, 0xffffffff, kWrite);  // one enormous buffer
  make_available(2);
  expect_pop_throws("longer than");
}

// --- notifications, wrap-around, reset -----------------------------------------------------

TEST_F(QueueTest, ShouldNotifyHonoursNoInterrupt) {
  EXPECT_FALSE(q.should_notify());  // not ready
  ASSERT_TRUE(configure(4));
  EXPECT_TRUE(q.should_notify());
  mem.store_le16(kAvail, 1);  // VRING_AVAIL_F_NO_INTERRUPT
  EXPECT_FALSE(q.should_notify());
  mem.store_le16(kAvail, 0xfffe);  // other bits do not matter
  EXPECT_TRUE(q.should_notify());
  mem.store_le16(kAvail, 0);
  EXPECT_TRUE(q.should_notify());
}

// --- EVENT_IDX (virtio 2.7.10): with a ring of size 4, used_event sits at avail + 4 + 2*4 and
// avail_event at used + 4 + 8*4.
constexpr uint64_t kUsedEvent = kAvail + 4 + 2 * 4, kAvailEvent = kUsed + 4 + 8 * 4;

TEST_F(QueueTest, WithEventIdxInterruptsComeWhenTheUsedIndexPassesUsedEvent) {
  ASSERT_TRUE(configure(4));
  q.set_event_idx(true);
  mem.store_le16(kAvail, 1);  // NO_INTERRUPT means nothing with EVENT_IDX
  mem.store_le16(kUsedEvent, 0);
  q.push(0, 1);                      // used 0 -> 1: passes used_event 0
  EXPECT_TRUE(q.should_notify());
  q.push(1, 1);                      // 1 -> 2: used_event 0 was passed already
  EXPECT_FALSE(q.should_notify());
  mem.store_le16(kUsedEvent, 3);     // "tell me once entry 3 is used" (the driver's delay)
  q.push(2, 1);                      // 2 -> 3
  EXPECT_FALSE(q.should_notify());
  q.push(3, 1);
  q.push(0, 1);                      // 3 -> 5 in one go: passes 3
  EXPECT_TRUE(q.should_notify());
  EXPECT_FALSE(q.should_notify());   // nothing new since
}

TEST_F(QueueTest, WithEventIdxUsedEventIsComparedAcrossTheIndexWrap) {
  ASSERT_TRUE(configure(4));
  q.set_event_idx(true);
  mem.store_le16(kUsedEvent, 0xffff);
  for (int i = 0; i < 0xffff; ++i) q.push(0, 0);  // used index 0xffff
  EXPECT_TRUE(q.should_notify());                 // the first call since enable() always is
  q.push(0, 0);                                   // 0xffff -> 0: passes 0xffff
  EXPECT_TRUE(q.should_notify());
  q.push(0, 0);                                   // 0 -> 1: 0xffff lies behind
  EXPECT_FALSE(q.should_notify());
}

TEST_F(QueueTest, WithEventIdxAnEmptyRingAsksToBeNotifiedOfTheNextBuffer) {
  ASSERT_TRUE(configure(4));
  desc(0, 0x5000, 8, 0);
  desc(1, 0x5100, 8, 0);
  mem.store_le16(kAvailEvent, 0xaaaa);
  EXPECT_FALSE(q.pop());
  EXPECT_EQ(mem.load_le16(kAvailEvent), 0xaaaa) << "written without EVENT_IDX";
  q.set_event_idx(true);
  make_available(0);
  ASSERT_TRUE(q.pop());
  EXPECT_EQ(mem.load_le16(kAvailEvent), 0xaaaa) << "written while the ring was not empty";
  EXPECT_FALSE(q.pop());
  EXPECT_EQ(mem.load_le16(kAvailEvent), 1) << "the entry the device waits for";
  make_available(1);
  ASSERT_TRUE(q.pop());
  EXPECT_FALSE(q.pop());
  EXPECT_EQ(mem.load_le16(kAvailEvent), 2);
}

// A device that waits for the driver to post again without popping (vsock's event queue
// after a transport reset) still hears of the next buffer.
TEST_F(QueueTest, WatchingTheAvailableIndexAsksForTheNextBufferWithEventIdx) {
  ASSERT_TRUE(configure(4));
  desc(0, 0x5000, 8, 0);
  desc(1, 0x5100, 8, 0);
  make_available(0);
  make_available(1);
  mem.store_le16(kAvailEvent, 0xaaaa);
  EXPECT_EQ(q.watch_available(), 2);
  EXPECT_EQ(mem.load_le16(kAvailEvent), 0xaaaa) << "written without EVENT_IDX";
  q.set_event_idx(true);
  ASSERT_TRUE(q.pop());  // one consumed, one still there: pop() would not ask
  EXPECT_EQ(q.watch_available(), 2);
  EXPECT_EQ(mem.load_le16(kAvailEvent), 2) << "notify when the index passes 2";
  ASSERT_TRUE(q.pop());  // nothing consumed by watching
  EXPECT_FALSE(q.pop());
}

TEST_F(QueueTest, EventIdxOutlivesARingResetAndCanBeTurnedOff) {
  ASSERT_TRUE(configure(4));
  q.set_event_idx(true);
  q.reset();  // QueueReady 0, then 1 again: the feature stays negotiated
  ASSERT_TRUE(configure(4));
  mem.store_le16(kAvailEvent, 0xaaaa);
  EXPECT_FALSE(q.pop());
  EXPECT_EQ(mem.load_le16(kAvailEvent), 0);
  q.set_event_idx(false);  // a new negotiation without it
  mem.store_le16(kAvail, 1);  // NO_INTERRUPT counts again
  q.push(0, 1);
  EXPECT_FALSE(q.should_notify());
}

TEST_F(QueueTest, WithEventIdxAnInterruptIsNotSkippedWhenTheIndexRanFarPastTheLastDecision) {
  ASSERT_TRUE(configure(4));
  q.set_event_idx(true);
  q.push(0, 0);
  EXPECT_TRUE(q.should_notify());  // signalled at 1
  for (int i = 0; i < 0x10002; ++i) q.push(0, 0);  // the used index wraps round to 3
  // 0xfff0 was passed on the way; against the stale mark (1 -> 3) it looks not reached.
  mem.store_le16(kUsedEvent, 0xfff0);
  EXPECT_TRUE(q.should_notify());
}

TEST_F(QueueTest, RingIndicesWrapFrom65535To0) {
  constexpr uint16_t n = 4;
  ASSERT_TRUE(configure(n));
  for (uint16_t i = 0; i < n; ++i) desc(i, 0x10000 + 0x100 * i, 4, kWrite);
  // Run the driver and the device up to index 65534, one chain at a time.
  uint32_t count = 0;
  for (; count < 65534; ++count) {
    make_available(count % n);
    const auto chain = q.pop();
    ASSERT_TRUE(chain.has_value());
    ASSERT_EQ(chain->head, count % n);
    q.push(chain->head, 1);
  }
  ASSERT_EQ(mem.load_le16(kAvail + 2), 65534);
  ASSERT_EQ(used_idx(), 65534);
  // Three more chains at once: avail idx goes 65534 -> 65535 -> 0 -> 1.
  make_available(2);
  make_available(3);
  make_available(0);
  EXPECT_EQ(mem.load_le16(kAvail + 2), 1);
  std::vector<uint16_t> heads;
  while (auto chain = q.pop()) {
    heads.push_back(chain->head);
    q.push(chain->head, 100 + chain->head);
  }
  EXPECT_EQ(heads, (std::vector<uint16_t>{2, 3, 0}));
  EXPECT_EQ(used_idx(), 1);
  // Used slots 65534 % 4 = 2, 65535 % 4 = 3, 0 % 4 = 0.
  EXPECT_EQ(used_id(2), 2u);
  EXPECT_EQ(used_len(2), 102u);
  EXPECT_EQ(used_id(3), 3u);
  EXPECT_EQ(used_id(0), 0u);
  EXPECT_EQ(used_len(0), 100u);
  EXPECT_FALSE(q.pop().has_value());
  // And the "too far ahead" check still works across the wrap.
  set_avail_idx(static_cast<uint16_t>(1 + n + 1));
  expect_pop_throws("ahead");
}

TEST_F(QueueTest, ResetMakesTheQueueNotReady) {
  ASSERT_TRUE(configure(4));
  desc(0, 0x10000, 4, 0);
  make_available(0);
  make_available(0);
  ASSERT_TRUE(q.pop().has_value());
  q.push(0, 4);
  q.reset();
  EXPECT_FALSE(q.ready());
  EXPECT_EQ(q.size(), 0);
  EXPECT_EQ(q.desc_table(), 0u);
  EXPECT_EQ(q.avail_ring(), 0u);
  EXPECT_EQ(q.used_ring(), 0u);
  EXPECT_FALSE(q.pop().has_value());  // the second chain is not consumed
  EXPECT_FALSE(q.should_notify());
  q.push(0, 9);  // ignored
  EXPECT_EQ(used_idx(), 1);
  EXPECT_FALSE(q.enable());  // size 0 after reset
  // Enabling again starts from ring index 0 (the driver re-initialises its rings too).
  set_avail_idx(0);
  mem.store_le16(kUsed + 2, 0);
  ASSERT_TRUE(configure(4));
  make_available(0);
  const auto chain = q.pop();
  ASSERT_TRUE(chain.has_value());
  q.push(chain->head, 4);
  EXPECT_EQ(used_idx(), 1);
}

TEST_F(QueueTest, QueueErrorIsAnError) {
  ASSERT_TRUE(configure(4));
  mem.store_le16(kAvail + 4, 7);
  set_avail_idx(1);
  EXPECT_THROW(q.pop(), Error);
}

// --- found by review: loop detection in large indirect tables -------------------------------

// BUG: walk() treats "more steps than table entries" as a loop, but next indices are 16-bit,
// so at most 65536 descriptors of an indirect table are reachable and any walk longer than
// that is already a loop. For an indirect table with more than 65536 entries (len up to
// 4 GiB - 16, i.e. 2^28 entries, when the guest has the RAM) a two-descriptor loop runs
// len/16 steps and appends that many spans before it is caught: zero-length descriptors cost
// no budget, so one pop() can cost ~2^28 iterations and a ~4 GiB std::vector on the host.
// Observable here: a loop of 12 KiB descriptors in a 2^17-entry table runs 87381 steps (past
// the 65536 bound) until the 1 GiB byte budget, not the loop check, stops it.
TEST(QueueLargeIndirectTest, LoopInIndirectTableOverflowingUint16IsCaughtAsALoop) {
  constexpr uint64_t kBigRam = 4 << 20;
  constexpr uint32_t kTableEntries = 1 << 17;  // 2 MiB table
  GuestMemory big(kBigRam);
  Virtqueue vq(big);
  ASSERT_TRUE((FakeDriverRing{big, kDesc, kAvail, kUsed}.enable(vq, 4)));
  const uint64_t table = 0x100000;
  write_descriptor(big, table, 0, 0x10000, 12 * 1024, kNext, 1);
  write_descriptor(big, table, 1, 0x10000, 12 * 1024, kNext, 0);
  write_descriptor(big, kDesc, 0, table, kTableEntries * 16, kIndir, 0);
  big.store_le16(kAvail + 4, 0);
  big.store_le16(kAvail + 2, 1);
  try {
    vq.pop();
    ADD_FAILURE() << "pop() accepted a looping chain";
  } catch (const QueueError& e) {
    EXPECT_NE(std::string(e.what()).find("loops"), std::string::npos)
        << "the loop ran past 65536 steps and was stopped by: " << e.what();
  }
}

}  // namespace
}  // namespace ppc::vmm
