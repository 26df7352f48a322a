// The state store: 0700 directories, atomic state.json, the per-container lock, and the
// status of a container whose VMM is gone.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "base/read_file.h"
#include "state/atomic_file.h"
#include "state/process_info.h"
#include "state/state_store.h"
#include "state/state_views.h"
#include "state/timestamp.h"
#include "test_dir.h"

namespace ppc::shim {
namespace {

using test::TestDir;

mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

ContainerState sample_state(pid_t pid) {
  ContainerState s;
  s.oci_version = "1.0.2";
  s.id = "c1";
  s.pid = pid;
  s.pid_start_time = read_proc_stat(pid) ? read_proc_stat(pid)->start_time : 0;
  s.status = Status::kRunning;
  s.bundle = "/b";
  s.rootfs = "/b/rootfs";
  s.created = "2024-05-01T10:00:00.5Z";
  s.annotations = {{"k", "v"}};
  s.memory_mib = 336;
  s.vcpus = 2;
  return s;
}

// A child that has exited; reaped unless `zombie`.
pid_t dead_child(bool zombie) {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  if (zombie) {
    // Wait until it is a zombie, without reaping it.
    for (int i = 0; i < 500; ++i) {
      const auto st = read_proc_stat(pid);
      if (st && st->state == 'Z') break;
      ::usleep(10000);
    }
  } else {
    int status;
    ::waitpid(pid, &status, 0);
  }
  return pid;
}

TEST(shim_state_store, DirectoriesAre0700AndIdsAreUnique) {
  TestDir dir;
  const StateStore store(dir / "deep/root");
  ::umask(0);  // even with a permissive umask
  {
    const LockedContainer c = store.create("c1");
    EXPECT_EQ(mode_of(dir / "deep/root"), 0700u);
    EXPECT_EQ(mode_of(c.dir()), 0700u);
  }
  ::umask(022);
  try {
    store.create("c1");
    FAIL() << "a second create of c1 succeeded";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "container with id c1 already exists");
  }
  store.create("c2");
  EXPECT_EQ(store.ids(), (std::vector<std::string>{"c1", "c2"}));
  EXPECT_TRUE(StateStore(dir / "missing").ids().empty());
}

TEST(shim_state_store, UnknownAndHalfCreatedContainersDoNotExist) {
  TestDir dir;
  const StateStore store(dir.path());
  EXPECT_THROW(store.open("nope"), ContainerNotFound);
  // Created but without state.json (create still running, or killed half-way).
  const LockedContainer c = store.create("half");
  EXPECT_THROW(c.read_state(), ContainerNotFound);
}

TEST(shim_state_store, StateRoundTripsAndIsWrittenAtomically) {
  TestDir dir;
  const StateStore store(dir.path());
  const LockedContainer c = store.create("c1");
  const ContainerState s = sample_state(::getpid());
  c.write_state(s);
  EXPECT_EQ(c.read_state(), s);
  EXPECT_EQ(mode_of(c.file("state.json")), 0600u);
  // Only the lock and state.json: no temporary file left behind.
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(c.dir())) {
    ++files;
    EXPECT_TRUE(e.path().filename() == "lock" || e.path().filename() == "state.json") << e.path();
  }
  EXPECT_EQ(files, 2u);
}

TEST(shim_state_store, AtomicWriteReplacesWholeFiles) {
  TestDir dir;
  const std::string path = dir / "f";
  write_file_atomic(path, "first version, long", 0644);
  write_file_atomic(path, "second", 0600);
  EXPECT_EQ(read_file(path), "second");
  EXPECT_EQ(mode_of(path), 0600u);
  EXPECT_THROW(write_file_atomic(dir / "no/such/dir/f", "x", 0600), Error);
}

TEST(shim_state_store, ContainerIsLockedWhileOpen) {
  TestDir dir;
  const StateStore store(dir.path());
  auto try_lock_elsewhere = [&] {
    // flock locks belong to open files: another process's attempt tells whether we hold it.
    const pid_t pid = ::fork();
    if (pid == 0) {
      const int fd = ::open((dir / "c1/lock").c_str(), O_RDWR);
      ::_exit(fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : 1);
    }
    int status;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
  };
  {
    const LockedContainer created = store.create("c1");
    EXPECT_FALSE(try_lock_elsewhere());
  }
  EXPECT_TRUE(try_lock_elsewhere());
  {
    LockedContainer opened = store.open("c1");
    EXPECT_FALSE(try_lock_elsewhere());
    opened.unlock();
    EXPECT_TRUE(try_lock_elsewhere());
  }
}

TEST(shim_state_store, RemovedContainerIsGoneForWaiters) {
  TestDir dir;
  const StateStore store(dir.path());
  {
    const LockedContainer c = store.create("c1");
    c.write_state(sample_state(::getpid()));
    c.remove();
    EXPECT_FALSE(std::filesystem::exists(c.dir()));
  }
  EXPECT_THROW(store.open("c1"), ContainerNotFound);
}

TEST(shim_state_status, LiveVmmKeepsTheRecordedStatus) {
  ContainerState s = sample_state(::getpid());
  EXPECT_EQ(current_status(s), Status::kRunning);
  s.status = Status::kPaused;
  EXPECT_EQ(current_status(s), Status::kPaused);
  s.status = Status::kCreated;
  EXPECT_EQ(current_status(s), Status::kCreated);
}

TEST(shim_state_status, DeadZombieOrReusedPidIsStopped) {
  ContainerState s = sample_state(::getpid());
  s.pid = dead_child(/*zombie=*/false);
  EXPECT_EQ(current_status(s), Status::kStopped);
  const pid_t zombie = dead_child(/*zombie=*/true);
  s.pid = zombie;
  s.pid_start_time = 0;
  EXPECT_EQ(current_status(s), Status::kStopped);
  int status;
  ::waitpid(zombie, &status, 0);
  // Our own pid, but another start time: the VMM's pid was reused.
  s = sample_state(::getpid());
  s.pid_start_time += 1;
  EXPECT_EQ(current_status(s), Status::kStopped);
  // A live pid whose start time is unknown cannot be told from a reused one: not ours.
  s = sample_state(::getpid());
  s.pid_start_time = 0;
  EXPECT_EQ(current_status(s), Status::kStopped);
}

TEST(shim_state_status, ProcessTreeFindsDescendants) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    const pid_t grandchild = ::fork();
    if (grandchild == 0) {
      ::pause();
      ::_exit(0);
    }
    [[maybe_unused]] ssize_t n = ::write(ready[1], &grandchild, sizeof grandchild);
    ::pause();
    ::_exit(0);
  }
  pid_t grandchild = 0;
  ASSERT_EQ(::read(ready[0], &grandchild, sizeof grandchild), static_cast<ssize_t>(sizeof grandchild));
  const std::vector<pid_t> tree = process_tree(child);
  EXPECT_EQ(tree, (std::vector<pid_t>{child, grandchild}));
  ::kill(grandchild, SIGKILL);
  ::kill(child, SIGKILL);
  int status;
  ::waitpid(child, &status, 0);
  ::close(ready[0]);
  ::close(ready[1]);
  EXPECT_TRUE(process_tree(child).empty());
}

TEST(shim_state_views, RuncStateKeysAndStoppedPid) {
  const ContainerState s = sample_state(::getpid());
  EXPECT_EQ(runc_state_json(s, Status::kRunning, "root").dump(),
            "{\"ociVersion\":\"1.0.2\",\"id\":\"c1\",\"pid\":" + std::to_string(::getpid()) +
                ",\"status\":\"running\",\"bundle\":\"/b\",\"rootfs\":\"/b/rootfs\",\"created\":\"2024-05-01T10:00:00.5Z\","
                "\"annotations\":{\"k\":\"v\"},\"owner\":\"root\"}");
  EXPECT_EQ(runc_state_json(s, Status::kStopped, "root")["pid"], 0);
  ContainerState bare = s;
  bare.annotations.clear();
  EXPECT_FALSE(runc_state_json(bare, Status::kRunning, "").contains("annotations"));
  const auto hook = hook_state_json(s, Status::kCreating);
  EXPECT_EQ(hook["status"], "creating");
  EXPECT_EQ(hook["pid"], ::getpid());
  EXPECT_EQ(hook["bundle"], "/b");
  EXPECT_FALSE(hook_state_json(s, Status::kStopped).contains("pid"));
}

TEST(shim_state_views, OwnerFromPasswdOrNumber) {
  TestDir dir;
  const std::string passwd = dir.write("passwd", "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n");
  EXPECT_EQ(owner_name(0, passwd), "root");
  EXPECT_EQ(owner_name(1000, passwd), "alice");
  EXPECT_EQ(owner_name(4242, passwd), "#4242");
}

TEST(shim_state_views, TimestampsAsGoMarshalsThem) {
  EXPECT_EQ(rfc3339_nano_utc(0, 0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(rfc3339_nano_utc(1714557600, 500000000), "2024-05-01T10:00:00.5Z");
  EXPECT_EQ(rfc3339_nano_utc(1714557600, 123456789), "2024-05-01T10:00:00.123456789Z");
  EXPECT_EQ(rfc3339_nano_utc(1714557600, 1000), "2024-05-01T10:00:00.000001Z");
}

}  // namespace
}  // namespace ppc::shim
