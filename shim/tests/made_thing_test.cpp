// The undo of each thing create makes, against real directories and processes (a shell script
// stands in for the VMM and its jail's child).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "base/error.h"
#include "commands/made_thing.h"
#include "state/process_info.h"
#include "test_dir.h"
#include "vm/vmm_process.h"

namespace ppc::shim {
namespace {

using test::TestDir;

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

// Waits until pid is gone or a zombie (a killed grandchild is reaped by whoever adopts it).
bool gone_within(pid_t pid, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (process_running(pid, 0)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

TEST(shim_made_thing, DescribesEachThing) {
  EXPECT_EQ(describe(MadeStateDirectory{"/run/s/c1"}), "state directory /run/s/c1");
  EXPECT_EQ(describe(MadeCgroup{"/sys/fs/cgroup/c1"}), "cgroup /sys/fs/cgroup/c1");
  EXPECT_EQ(describe(MadeVmm{42, 7}), "VMM pid 42");
}

TEST(shim_made_thing, StateDirectoryIsRemovedWithItsFilesAndTwiceIsFine) {
  TestDir dir;
  const std::string state = dir / "c1";
  dir.write("c1/state.json", "{}");
  dir.write("c1/vm/initramfs.cpio", "070701");
  undo_made_thing(MadeStateDirectory{state});
  EXPECT_FALSE(exists(state));
  EXPECT_NO_THROW(undo_made_thing(MadeStateDirectory{state}));
  EXPECT_TRUE(exists(dir.path()));
}

TEST(shim_made_thing, APodMembersShareEntryIsRemovedWithItsMountPointsAndTwiceIsFine) {
  // What a member's delete finds once its binds are unmounted: empty mount points.
  TestDir dir;
  const std::string entry = dir / "infra/share/member";
  dir.write("infra/share/member/m1", "");
  ASSERT_EQ(::mkdir((entry + "/root").c_str(), 0755), 0);
  undo_made_thing(MadeShareEntry{entry});
  EXPECT_FALSE(exists(entry));
  EXPECT_TRUE(exists(dir / "infra/share"));
  EXPECT_NO_THROW(undo_made_thing(MadeShareEntry{entry}));
  EXPECT_EQ(describe(MadeShareEntry{entry}), "directory in the pod's share " + entry);
}

TEST(shim_made_thing, CgroupDirectoryIsRemovedAndTwiceIsFine) {
  // A plain directory stands in: a cgroup is undone by rmdir, as an empty directory is.
  TestDir dir;
  const std::string cgroup = dir / "c1";
  ASSERT_EQ(::mkdir(cgroup.c_str(), 0755), 0);
  undo_made_thing(MadeCgroup{cgroup});
  EXPECT_FALSE(exists(cgroup));
  EXPECT_NO_THROW(undo_made_thing(MadeCgroup{cgroup}));
}

TEST(shim_made_thing, VmmUndoKillsTheWholeTree) {
  TestDir dir;
  const std::string child_pid_file = dir / "child";
  // The outer process and a child below it, as the jail's supervisor and the VMM proper.
  VmmProcess vmm = VmmProcess::spawn(
      {"/bin/sh", "-c", "sleep 60 & echo $! > " + child_pid_file + "; echo ok >&3; wait"}, VmmStdio{});
  ASSERT_EQ(vmm.wait_ready(std::chrono::seconds(30), "/nonexistent", "/nonexistent"), std::nullopt);
  const pid_t child = std::stoi(test::slurp(child_pid_file));
  const auto stat = read_proc_stat(vmm.pid());
  ASSERT_TRUE(stat);
  undo_made_thing(MadeVmm{vmm.pid(), stat->start_time});
  EXPECT_FALSE(process_running(vmm.pid(), stat->start_time));
  EXPECT_TRUE(gone_within(child, std::chrono::seconds(10))) << "the VMM's child " << child << " survived";
  EXPECT_NO_THROW(undo_made_thing(MadeVmm{vmm.pid(), stat->start_time}));  // twice: nothing left to kill
}

TEST(shim_made_thing, VmmUndoSparesAProcessWithAnotherStartTime) {
  VmmProcess other = VmmProcess::spawn({"/bin/sh", "-c", "echo ok >&3; exec sleep 60"}, VmmStdio{});
  ASSERT_EQ(other.wait_ready(std::chrono::seconds(30), "/nonexistent", "/nonexistent"), std::nullopt);
  const auto stat = read_proc_stat(other.pid());
  ASSERT_TRUE(stat);
  // The same pid with another start time: a reused pid, not the VMM that was made.
  EXPECT_NO_THROW(undo_made_thing(MadeVmm{other.pid(), stat->start_time + 1}));
  EXPECT_TRUE(process_running(other.pid(), stat->start_time));
}

TEST(shim_made_thing, VmmWithoutAStartTimeIsNotKilled) {
  VmmProcess other = VmmProcess::spawn({"/bin/sh", "-c", "echo ok >&3; exec sleep 60"}, VmmStdio{});
  ASSERT_EQ(other.wait_ready(std::chrono::seconds(30), "/nonexistent", "/nonexistent"), std::nullopt);
  try {
    undo_made_thing(MadeVmm{other.pid(), 0});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "VMM pid " + std::to_string(other.pid()) + ": its start time is unknown; not killed");
  }
  EXPECT_TRUE(process_running(other.pid(), read_proc_stat(other.pid())->start_time));  // still alive
}

}  // namespace
}  // namespace ppc::shim
