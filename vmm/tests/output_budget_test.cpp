// The console's bounds: a guest cannot write more than the total, nor faster than the rate
// after a burst, and the file says where output was dropped.
#include "output_budget.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>

namespace ppc::vmm {
namespace {

constexpr uint64_t kSecond = 1'000'000'000;

TEST(OutputBudget, WithinTheBurstEverythingPassesWithoutNotices) {
  OutputBudget budget({1 << 20, 1000, 4096});
  const auto a = budget.admit(4096, kSecond);
  EXPECT_EQ(a.bytes, 4096u);
  EXPECT_EQ(a.notice_before, "");
  EXPECT_EQ(a.notice_after, "");
  EXPECT_EQ(budget.dropped(), 0u);
}

TEST(OutputBudget, OverTheRateIsDroppedUntilAQuarterOfTheBurstIsBackAndSaidSoThen) {
  OutputBudget budget({1 << 20, 100, 1000});
  EXPECT_EQ(budget.admit(1500, kSecond).bytes, 1000u);  // the burst
  EXPECT_EQ(budget.admit(50, kSecond).bytes, 0u);       // no time passed: nothing earned
  EXPECT_EQ(budget.admit(50, 2 * kSecond).bytes, 0u);   // 100 earned, under the quarter (250)
  const auto resumed = budget.admit(50, 4 * kSecond);   // 300 earned
  EXPECT_EQ(resumed.notice_before, "\n[ppc-kvm-vmm: 600 bytes of console output dropped: over 100 bytes/s]\n");
  EXPECT_EQ(resumed.bytes, 50u);
  EXPECT_EQ(resumed.notice_after, "");
  const auto next = budget.admit(10, 4 * kSecond);
  EXPECT_EQ(next.notice_before, "");  // said once
  EXPECT_EQ(next.bytes, 10u);
  EXPECT_EQ(budget.dropped(), 600u);
  // The notice is output too: the rate holds it with the rest.
  EXPECT_EQ(budget.written(), 1000 + resumed.notice_before.size() + 60);
}

TEST(OutputBudget, ASteadyFloodKeepsToTheRateWithAFewNotices) {
  OutputBudget budget({1 << 30, 1000, 4000});
  uint64_t written = 0, notices = 0;
  for (uint64_t ms = 1; ms <= 60'000; ++ms) {  // a minute of 16 bytes every millisecond
    const auto a = budget.admit(16, ms * 1'000'000);
    written += a.notice_before.size() + a.bytes;
    notices += !a.notice_before.empty();
  }
  EXPECT_LE(written, 4000u + 1000u * 60u);
  EXPECT_GE(written, 1000u * 50u);        // the rate is used, not wasted on notices
  EXPECT_LE(notices, 60u);                // one per quarter burst earned back at most
  EXPECT_GE(notices, 10u);
}

TEST(OutputBudget, TheTotalEndsWithOneNoticeAndNothingAfterIt) {
  OutputBudget budget({1000, 1 << 30, 1 << 30});
  const auto last = budget.admit(2000, kSecond);
  EXPECT_LT(last.bytes, 1000u);
  EXPECT_EQ(last.notice_after, "\n[ppc-kvm-vmm: console output past 1000 bytes is dropped]\n");
  EXPECT_LE(budget.written(), 1000u);
  const auto after = budget.admit(10, 100 * kSecond);
  EXPECT_EQ(after.bytes, 0u);
  EXPECT_EQ(after.notice_before + after.notice_after, "");
  EXPECT_EQ(budget.dropped(), 2000 - last.bytes + 10);
}

TEST(OutputBudget, AnyGapOrClockLeavesTheBurstAsTheMostAtOnce) {
  OutputBudget budget({UINT64_MAX, UINT64_MAX / 2, 4096});
  EXPECT_EQ(budget.admit(4096, 1).bytes, 4096u);
  EXPECT_EQ(budget.admit(1 << 20, UINT64_MAX).bytes, 4096u);  // a huge gap at a huge rate
  EXPECT_EQ(budget.admit(10, 5).bytes, 0u);                   // a clock that went back earns nothing
}

TEST(OutputBudget, NothingTheGuestDoesGetsPastTheTotal) {
  std::mt19937_64 random(7);
  for (int round = 0; round < 200; ++round) {
    const uint64_t total = 200 + random() % 5000;
    OutputBudget budget({total, 1 + random() % 2000, 1 + random() % 3000});
    uint64_t now = 1, written = 0, offered = 0, admitted = 0;
    for (int i = 0; i < 300; ++i) {
      now += random() % (kSecond / 2);
      const uint64_t n = random() % 700;
      const auto a = budget.admit(n, now);
      ASSERT_LE(a.bytes, n);
      written += a.notice_before.size() + a.bytes + a.notice_after.size();
      offered += n;
      admitted += a.bytes;
    }
    ASSERT_LE(written, total) << "round " << round;
    ASSERT_EQ(written, budget.written());
    ASSERT_EQ(budget.dropped(), offered - admitted);
  }
}

}  // namespace
}  // namespace ppc::vmm
