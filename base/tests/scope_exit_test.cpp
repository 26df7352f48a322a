#include "base/scope_exit.h"

#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/error.h"

namespace ppc {
namespace {

std::vector<std::string> g_reported;

void record(std::string_view message) noexcept { g_reported.emplace_back(message); }

// Routes cleanup failures into g_reported for one test.
class ScopeExitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_reported.clear();
    set_cleanup_failure_reporter(record);
  }
  void TearDown() override { set_cleanup_failure_reporter(nullptr); }
};

TEST_F(ScopeExitTest, RunsOnScopeExit) {
  int runs = 0;
  { ScopeExit guard([&] { ++runs; }); EXPECT_EQ(runs, 0); }
  EXPECT_EQ(runs, 1);
}

TEST_F(ScopeExitTest, RunsWhenAnExceptionLeavesTheScope) {
  int runs = 0;
  EXPECT_THROW(
      {
        ScopeExit guard([&] { ++runs; });
        throw Error("step failed");
      },
      Error);
  EXPECT_EQ(runs, 1);
}

TEST_F(ScopeExitTest, DismissedGuardDoesNotRun) {
  int runs = 0;
  {
    ScopeExit guard([&] { ++runs; });
    EXPECT_TRUE(guard.armed());
    guard.dismiss();
    EXPECT_FALSE(guard.armed());
  }
  EXPECT_EQ(runs, 0);
}

TEST_F(ScopeExitTest, MoveHandsTheCleanupOverOnce) {
  int runs = 0;
  auto cleanup = [&] { ++runs; };
  std::optional<ScopeExit<decltype(cleanup)>> moved;
  {
    ScopeExit first(cleanup);
    moved.emplace(std::move(first));
    EXPECT_FALSE(first.armed());
    EXPECT_TRUE(moved->armed());
  }
  EXPECT_EQ(runs, 0);  // the moved-from guard ended without running it
  moved.reset();
  EXPECT_EQ(runs, 1);
}

TEST_F(ScopeExitTest, ThrowingCleanupIsReportedNotPropagated) {
  EXPECT_NO_THROW({ ScopeExit guard([] { throw Error("rmdir /x: Device or resource busy"); }); });
  EXPECT_EQ(g_reported, std::vector<std::string>{"rmdir /x: Device or resource busy"});
}

TEST_F(ScopeExitTest, ThrowingCleanupDuringUnwindingKeepsTheOriginalError) {
  try {
    ScopeExit guard([] { throw std::runtime_error("cleanup broke"); });
    throw Error("the step's own failure");
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "the step's own failure");
  }
  EXPECT_EQ(g_reported, std::vector<std::string>{"cleanup broke"});
}

TEST_F(ScopeExitTest, NonStandardExceptionIsReportedToo) {
  { ScopeExit guard([] { throw 42; }); }
  ASSERT_EQ(g_reported.size(), 1u);
  EXPECT_NE(g_reported[0].find("not a std::exception"), std::string::npos);
}

TEST_F(ScopeExitTest, GuardsRunInReverseOrderOfDeclaration) {
  std::string order;
  {
    ScopeExit a([&] { order += "a"; });
    ScopeExit b([&] { order += "b"; });
  }
  EXPECT_EQ(order, "ba");
}

TEST(ScopeExitReporter, DefaultReporterWritesToStderr) {
  set_cleanup_failure_reporter(nullptr);
  ::testing::internal::CaptureStderr();
  { ScopeExit guard([] { throw Error("remove /run/x: Permission denied"); }); }
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "cleanup failed: remove /run/x: Permission denied\n");
}

}  // namespace
}  // namespace ppc
