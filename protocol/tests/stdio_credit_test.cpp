#include "protocol/stdio_credit.h"

#include <gtest/gtest.h>

#include "expect_error.h"

namespace ppc::protocol {
namespace {

TEST(StdioCredit, StartsWithTheWholeWindow) { EXPECT_EQ(StdioCredit().available(), kStdioWindow); }

TEST(StdioCredit, SpendAndGrantBalance) {
  StdioCredit credit;
  credit.spend(kStdioWindow - 10);
  EXPECT_EQ(credit.available(), 10u);
  credit.spend(10);
  EXPECT_EQ(credit.available(), 0u);
  credit.grant(kStdioWindow);
  EXPECT_EQ(credit.available(), kStdioWindow);
}

TEST(StdioCredit, OverrunIsAnError) {
  StdioCredit credit;
  credit.spend(kStdioWindow - 1);
  EXPECT_ERROR(credit.spend(2), "2 bytes sent with 1 bytes of credit");
  EXPECT_EQ(credit.available(), 1u);
}

TEST(StdioCredit, GrantingMoreThanWasSentIsAnError) {
  StdioCredit credit;
  EXPECT_ERROR(credit.grant(1), "1 bytes granted with only 0 bytes in flight");
  credit.spend(100);
  EXPECT_ERROR(credit.grant(101), "101 bytes granted with only 100 bytes in flight");
  credit.grant(100);
  EXPECT_EQ(credit.available(), kStdioWindow);
}

}  // namespace
}  // namespace ppc::protocol
