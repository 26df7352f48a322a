#include "pseries/hcall_table.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "pseries/papr.h"

namespace ppc::vmm {
namespace {

TEST(HcallTable, CallsTheRegisteredHandlerWithTheCpuAndArguments) {
  HcallTable table;
  unsigned seen_cpu = 99;
  table.add(0x58, "H_TEST", [&](unsigned cpu, HcallArgs& args) -> int64_t {
    seen_cpu = cpu;
    args[0] = args[1] + 1;  // handlers answer through the argument registers
    return 5;
  });
  HcallArgs args = {0, 41};
  EXPECT_EQ(table.call(3, 0x58, args), 5);
  EXPECT_EQ(seen_cpu, 3u);
  EXPECT_EQ(args[0], 42u);
  EXPECT_TRUE(table.has(0x58));
  EXPECT_EQ(table.name(0x58), "H_TEST");
}

TEST(HcallTable, AnUnknownNumberIsHFunctionAndChangesNothing) {
  HcallTable table;
  HcallArgs args = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  EXPECT_EQ(table.call(0, 0x1234, args), papr::kFunction);
  for (uint64_t i = 0; i < 9; ++i) EXPECT_EQ(args[i], i + 1);
  EXPECT_FALSE(table.has(0x1234));
  EXPECT_EQ(table.name(0x1234), "");
}

TEST(HcallTable, ManyDistinctUnknownNumbersStayBounded) {
  // The guest picks the numbers: each is H_FUNCTION however many there are.
  HcallTable table;
  HcallArgs args = {};
  for (uint64_t nr = 0; nr < 10000; ++nr) ASSERT_EQ(table.call(0, 0x100000 + nr, args), papr::kFunction);
  EXPECT_LE(table.remembered_unknown(), 32u);
  EXPECT_GT(table.remembered_unknown(), 0u);
}

TEST(HcallTable, ANumberIsRegisteredOnce) {
  HcallTable table;
  table.add(1, "first", [](unsigned, HcallArgs&) -> int64_t { return 0; });
  EXPECT_THROW(table.add(1, "second", [](unsigned, HcallArgs&) -> int64_t { return 0; }), Error);
}

}  // namespace
}  // namespace ppc::vmm
