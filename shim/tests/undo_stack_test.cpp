// create's undo stack, with a recorder in place of the real undo (made_thing_test.cpp has those).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/error.h"
#include "base/scope_exit.h"
#include "commands/undo_stack.h"

namespace ppc::shim {
namespace {

std::vector<std::string> g_reported;
void record_report(std::string_view message) noexcept { g_reported.emplace_back(message); }

TEST(shim_undo_stack, UndoesNewestFirst) {
  std::vector<std::string> undone;
  {
    UndoStack undo([&](const MadeThing& thing) { undone.push_back(describe(thing)); });
    undo.push(MadeStateDirectory{"/run/s/c1"});
    undo.push(MadeCgroup{"/sys/fs/cgroup/c1"});
    undo.push(MadeVmm{42, 7});
    EXPECT_TRUE(undone.empty());
  }
  EXPECT_EQ(undone, (std::vector<std::string>{"VMM pid 42", "cgroup /sys/fs/cgroup/c1", "state directory /run/s/c1"}));
}

TEST(shim_undo_stack, UndoesWhenAnExceptionLeavesTheScope) {
  int undone = 0;
  EXPECT_THROW(
      {
        UndoStack undo([&](const MadeThing&) { ++undone; });
        undo.push(MadeCgroup{"/sys/fs/cgroup/c1"});
        throw Error("the VMM did not start");
      },
      Error);
  EXPECT_EQ(undone, 1);
}

TEST(shim_undo_stack, KeptStackUndoesNothing) {
  int undone = 0;
  {
    UndoStack undo([&](const MadeThing&) { ++undone; });
    undo.push(MadeStateDirectory{"/run/s/c1"});
    undo.keep();
    EXPECT_EQ(undo.things().size(), 1u);
  }
  EXPECT_EQ(undone, 0);
}

TEST(shim_undo_stack, AFailedUndoIsReportedAndTheOlderThingsAreStillUndone) {
  g_reported.clear();
  set_cleanup_failure_reporter(record_report);
  const ScopeExit restore([] { set_cleanup_failure_reporter(nullptr); });
  std::vector<std::string> undone;
  {
    UndoStack undo([&](const MadeThing& thing) {
      if (std::holds_alternative<MadeCgroup>(thing)) throw Error("cgroup busy");
      undone.push_back(describe(thing));
    });
    undo.push(MadeStateDirectory{"/run/s/c1"});
    undo.push(MadeCgroup{"/sys/fs/cgroup/c1"});
    undo.push(MadeVmm{42, 7});
  }
  EXPECT_EQ(undone, (std::vector<std::string>{"VMM pid 42", "state directory /run/s/c1"}));
  EXPECT_EQ(g_reported, std::vector<std::string>{"cgroup busy"});
}

}  // namespace
}  // namespace ppc::shim
