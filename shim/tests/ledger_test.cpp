// The ledger of what create makes: records on disk in order, a torn last line, records that
// point outside the container refused, and undo newest first past a failure.
#include "commands/ledger.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "test_dir.h"

namespace ppc::shim {
namespace {

using test::TestDir;

TEST(shim_ledger, RecordsComeBackInTheOrderTheyWereMade) {
  TestDir dir;
  const Ledger ledger(dir.path());
  EXPECT_TRUE(ledger.read().empty());  // no ledger yet
  ledger.append(MadeStateDirectory{dir.path()});
  ledger.append(MadeShare{dir / "share"});
  ledger.append(MadeBind{dir / "share/c1/root"});
  ledger.append(MadeCgroup{"/sys/fs/cgroup/machine.slice/c1"});
  ledger.append(MadeVmm{1234, 99887766});
  const std::vector<MadeThing> things = ledger.read();
  ASSERT_EQ(things.size(), 5u);
  EXPECT_EQ(describe(things[0]), "state directory " + dir.path());
  EXPECT_EQ(describe(things[1]), "share " + dir / "share");
  EXPECT_EQ(describe(things[2]), "bind mount " + dir / "share/c1/root");
  EXPECT_EQ(describe(things[3]), "cgroup /sys/fs/cgroup/machine.slice/c1");
  ASSERT_TRUE(std::holds_alternative<MadeVmm>(things[4]));
  EXPECT_EQ(std::get<MadeVmm>(things[4]).pid, 1234);
  EXPECT_EQ(std::get<MadeVmm>(things[4]).start_time, 99887766u);
}

TEST(shim_ledger, ALineACrashCutShortIsDropped) {
  TestDir dir;
  const Ledger ledger(dir.path());
  ledger.append(MadeStateDirectory{dir.path()});
  std::ofstream(dir / "made.jsonl", std::ios::app) << R"({"made":"bind","path":")" << dir.path();  // no newline
  EXPECT_EQ(ledger.read().size(), 1u);
}

TEST(shim_ledger, RecordsOutsideTheContainerAreRefused) {
  const std::vector<std::string> bad = {
      R"({"made":"state-directory","path":"/etc"})",
      R"({"made":"bind","path":"/home/user/data"})",
      R"({"made":"bind","path":"DIR/../../etc"})",
      R"({"made":"share","path":"DIR"})",
      R"({"made":"cgroup","path":"/sys/fs/cgroupx/c1"})",
      R"({"made":"cgroup","path":"/sys/fs/cgroup"})",
      R"({"made":"vmm","pid":1,"start_time":5})",
      R"({"made":"bind","path":"relative"})",
      R"({"made":"volume","path":"DIR/v"})",
      R"({"made":"vmm","pid":"12"})",
      R"(not json)",
  };
  for (std::string record : bad) {
    TestDir dir;
    for (size_t at = record.find("DIR"); at != std::string::npos; at = record.find("DIR")) record.replace(at, 3, dir.path());
    std::ofstream(dir / "made.jsonl") << record << "\n";
    EXPECT_THROW(Ledger(dir.path()).read(), Error) << record;
  }
}

TEST(shim_ledger, APodMembersRecordsAreItsDirectoryInItsSandboxsShare) {
  TestDir dir;
  const std::string root = std::filesystem::path(dir.path()).parent_path().string();
  const std::string id = std::filesystem::path(dir.path()).filename().string();
  const std::string entry = root + "/infra/share/" + id;
  auto read_one = [&](const std::string& record) {
    std::ofstream(dir / "made.jsonl", std::ios::trunc) << record << "\n";
    return Ledger(dir.path()).read();
  };
  const auto record = [](const std::string& kind, const std::string& path) {
    return nlohmann::json{{"made", kind}, {"path", path}}.dump();
  };
  EXPECT_EQ(read_one(record("share-entry", entry)).size(), 1u);
  EXPECT_EQ(read_one(record("bind", entry + "/root")).size(), 1u);
  EXPECT_EQ(read_one(record("bind", entry + "/m3")).size(), 1u);
  for (const std::string& bad : {record("share-entry", root + "/infra/share/other"),
                                 record("share-entry", entry + "/root"),
                                 record("share-entry", root + "/infra/other/" + id),
                                 record("share-entry", root + "/" + id + "/share/" + id),
                                 record("bind", entry),
                                 record("bind", root + "/infra/share/other/root"),
                                 record("bind", entry + "/../../../etc"),
                                 record("bind", root + "/../x/share/" + id + "/root")}) {
    EXPECT_THROW(read_one(bad), Error) << bad;
  }
}

TEST(shim_ledger, UndoGoesNewestFirstAndPastAFailure) {
  const std::vector<MadeThing> things = {MadeStateDirectory{"/a"}, MadeCgroup{"/sys/fs/cgroup/b"}, MadeVmm{7, 1}};
  std::vector<std::string> undone;
  const size_t failed = undo_newest_first(things, [&](const MadeThing& t) {
    undone.push_back(describe(t));
    if (std::holds_alternative<MadeCgroup>(t)) throw Error("busy");
  });
  EXPECT_EQ(failed, 1u);
  EXPECT_EQ(undone, (std::vector<std::string>{"VMM pid 7", "cgroup /sys/fs/cgroup/b", "state directory /a"}));
}

}  // namespace
}  // namespace ppc::shim
