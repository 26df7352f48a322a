// A container's files in its VM's share: which binds are planned and where, what the guest is
// told, the binds made on the host (read-only and nosuid/nodev there, whatever the guest
// does), their undo, and the agent-only initramfs that is built once per agent.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "base/tree_removal.h"
#include "test_dir.h"
#include "vm/initramfs.h"
#include "vm/share_mounts.h"
#include "vm/share_plan.h"

namespace ppc::shim {
namespace {

using test::TestDir;

oci::Mount bind_mount(const std::string& source, const std::string& dest, std::vector<std::string> options = {"rbind", "ro"}) {
  return oci::Mount{dest, "bind", source, std::move(options)};
}

oci::Config config_with(std::vector<oci::Mount> mounts) {
  oci::Config c;
  c.oci_version = "1.0.2";
  c.root.path = "rootfs";
  c.mounts = std::move(mounts);
  return c;
}

std::string error_of(const oci::Config& c, const std::string& bundle) {
  try {
    plan_share(c, bundle, bundle + "/rootfs", "/run/x/c1/share", "c1");
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(shim_share_plan, RootFilesAndDirectoriesAreBoundDevicesAreLeftToTheGuest) {
  TestDir dir;
  const std::string hosts = dir.write("hosts", "127.0.0.1 localhost\n");
  dir.write("data/a", "a");
  dir.write("relative", "bundle-relative");
  oci::Config c = config_with({
      {"/proc", "proc", "proc", {}},
      bind_mount(hosts, "/etc/hosts"),
      bind_mount(dir / "data", "/data", {"bind"}),
      {"/dev/tty-like", "", "/dev/null", {"bind"}},  // a device: the guest's own node
      bind_mount("relative", "/rel", {"rbind", "rw"}),
  });
  c.root.readonly = true;
  const SharePlan plan = plan_share(c, dir.path(), dir / "rootfs", "/run/s/c1/share", "c1");
  EXPECT_EQ(plan.root, (ShareBind{dir / "rootfs", "/run/s/c1/share/c1/root", "/share/c1/root", true, true, true}));
  ASSERT_EQ(plan.mounts.size(), 3u);
  EXPECT_EQ(plan.mounts[0].first, 1u);
  EXPECT_EQ(plan.mounts[0].second, (ShareBind{hosts, "/run/s/c1/share/c1/m1", "/share/c1/m1", false, true, true}));
  EXPECT_EQ(plan.mounts[1].first, 2u);
  EXPECT_EQ(plan.mounts[1].second, (ShareBind{dir / "data", "/run/s/c1/share/c1/m2", "/share/c1/m2", true, false, false}));
  EXPECT_EQ(plan.mounts[2].first, 4u);
  EXPECT_EQ(plan.mounts[2].second.host_source, dir.path() + "/relative");
  EXPECT_FALSE(plan.mounts[2].second.read_only);
}

TEST(shim_share_plan, TheGuestGetsGuestPathsAndNothingOnlyTheHostUses) {
  TestDir dir;
  const std::string hosts = dir.write("hosts", "h");
  oci::Config c = config_with({bind_mount(hosts, "/etc/hosts"), {"/x", "bind", "/dev/null", {"ro"}}, {"/y", "tmpfs", "tmpfs", {}}});
  c.hooks.poststop.push_back(oci::Hook{"/usr/bin/secret-hook", {"secret-hook", "--token=abc"}, {"TOKEN=abc"}, {}});
  c.annotations["io.podman.secret"] = "x";
  c.linux.cgroups_path = "/machine.slice/c1";
  const SharePlan plan = plan_share(c, dir.path(), dir / "rootfs", dir / "share", "c1");
  const oci::Config guest = guest_config(c, plan);
  EXPECT_EQ(guest.root.path, "/share/c1/root");
  EXPECT_EQ(guest.mounts[0].source, "/share/c1/m0");
  EXPECT_EQ(guest.mounts[0].destination, "/etc/hosts");
  EXPECT_EQ(guest.mounts[1].source, "/dev/null");  // the guest's own node
  EXPECT_EQ(guest.mounts[1].options, (std::vector<std::string>{"ro", "bind"}));  // type bind says bind
  EXPECT_EQ(guest.mounts[2].options, std::vector<std::string>{});
  EXPECT_TRUE(guest.hooks.poststop.empty());
  EXPECT_TRUE(guest.annotations.empty());
  EXPECT_TRUE(guest.linux.cgroups_path.empty());
  EXPECT_EQ(c.hooks.poststop.size(), 1u);  // the host keeps its own
}

TEST(shim_share_plan, UnusableSourcesNameTheMount) {
  TestDir dir;
  const std::string missing = error_of(config_with({bind_mount(dir / "missing", "/m")}), dir.path());
  EXPECT_NE(missing.find("mounts[0] (/m): source " + dir / "missing"), std::string::npos) << missing;
  // A socket cannot cross into a VM.
  const std::string sock = dir / "sock";
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, sock.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string s = error_of(config_with({{"/p", "proc", "proc", {}}, bind_mount(sock, "/run/s.sock")}), dir.path());
  EXPECT_NE(s.find("mounts[1] (/run/s.sock)"), std::string::npos) << s;
  EXPECT_NE(s.find("cannot be passed into a VM"), std::string::npos) << s;
  ::close(fd);
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
  EXPECT_NE(error_of(config_with({bind_mount(dir / "fifo", "/f")}), dir.path()).find("mounts[0] (/f)"), std::string::npos);
}

// Mounting needs root: without it these tests are skipped (and say so).
#define REQUIRE_ROOT() \
  if (::geteuid() != 0) GTEST_SKIP() << "bind mounts need root"

TEST(shim_share_mounts, BindsAreReadOnlyOnTheHostWhenAskedAndNosuidNodevAlways) {
  REQUIRE_ROOT();
  TestDir dir;
  dir.write("volume/file", "data");
  dir.write("ro-volume/file", "data");
  const std::string share = dir / "share";
  mount_share(share);
  ASSERT_EQ(::mkdir((share + "/rw").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((share + "/ro").c_str(), 0755), 0);
  bind_into_share(dir / "volume", share + "/rw", {true, false});
  bind_into_share(dir / "ro-volume", share + "/ro", {true, true});
  std::ofstream(share + "/rw/new") << "written through the share";
  EXPECT_EQ(test::slurp(dir / "volume/new"), "written through the share");
  EXPECT_FALSE(std::ofstream(share + "/ro/new").is_open());  // root cannot write there either
  EXPECT_EQ(::access((dir / "ro-volume/new").c_str(), F_OK), -1);
  struct statvfs rw {}, ro {};
  ASSERT_EQ(::statvfs((share + "/rw").c_str(), &rw), 0);
  ASSERT_EQ(::statvfs((share + "/ro").c_str(), &ro), 0);
  EXPECT_TRUE(rw.f_flag & ST_NOSUID);
  EXPECT_TRUE(rw.f_flag & ST_NODEV);
  EXPECT_FALSE(rw.f_flag & ST_RDONLY);
  EXPECT_TRUE(ro.f_flag & ST_RDONLY);
  unmount_share(share + "/ro");
  unmount_share(share + "/rw");
  unmount_share(share);
  EXPECT_TRUE(mounts_below(share).empty());
  EXPECT_EQ(test::slurp(dir / "volume/file"), "data");  // nothing below was removed
}

TEST(shim_share_mounts, UnmountingWhatIsNotMountedIsDoneAlready) {
  REQUIRE_ROOT();
  TestDir dir;
  ASSERT_EQ(::mkdir((dir / "plain").c_str(), 0755), 0);
  EXPECT_NO_THROW(unmount_share(dir / "plain"));
  EXPECT_NO_THROW(unmount_share(dir / "missing"));
}

TEST(shim_share_mounts, ABindMadeInTheShareLaterReachesAnotherNamespacesCopy) {
  // virtiofsd serves the share from its own mount namespace (a slave copy): a bind made in
  // the share after it started (the next container of a pod) must reach it.
  REQUIRE_ROOT();
  TestDir dir;
  dir.write("later/file", "later");
  const std::string share = dir / "share";
  mount_share(share);
  ASSERT_EQ(::mkdir((share + "/late").c_str(), 0755), 0);
  int ready[2], go[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(go), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    // As virtiofsd does: a new mount namespace whose root is a slave of ours.
    if (::unshare(CLONE_NEWNS) != 0 || ::mount("", "/", nullptr, MS_SLAVE | MS_REC, nullptr) != 0) ::_exit(2);
    char c = 1;
    if (::write(ready[1], &c, 1) != 1 || ::read(go[0], &c, 1) != 1) ::_exit(3);
    std::ifstream in(share + "/late/file");
    std::string text;
    in >> text;
    ::_exit(text == "later" ? 0 : 1);
  }
  char c;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  bind_into_share(dir / "later", share + "/late", {true, false});
  ASSERT_EQ(::write(go[1], &c, 1), 1);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the bind did not propagate into the other namespace";
  unmount_share(share + "/late");
  unmount_share(share);
}

TEST(shim_initramfs, TheAgentsInitramfsIsBuiltOnceAndRebuiltForANewAgent) {
  TestDir dir;
  const std::string agent = dir.write("agent", "#!agent one");
  const std::string first = agent_initramfs(agent, dir.path());
  EXPECT_NE(test::slurp(first).find("#!agent one"), std::string::npos);
  struct stat before {};
  ASSERT_EQ(::stat(first.c_str(), &before), 0);
  EXPECT_EQ(agent_initramfs(agent, dir.path()), first);  // reused, not rebuilt
  struct stat again {};
  ASSERT_EQ(::stat(first.c_str(), &again), 0);
  EXPECT_EQ(before.st_ino, again.st_ino);
  std::filesystem::remove(agent);
  dir.write("agent", "#!agent two, a new build");
  const std::string second = agent_initramfs(agent, dir.path());
  EXPECT_NE(second, first);
  EXPECT_NE(test::slurp(second).find("#!agent two"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(first));  // the old one is gone
  EXPECT_THROW(agent_initramfs(dir / "no-agent", dir.path()), Error);
}

TEST(shim_initramfs, CreatesThatStartTogetherAllGetTheInitramfs) {
  TestDir dir;
  const std::string agent = dir.write("agent", std::string(1 << 20, 'a'));
  std::vector<pid_t> children;
  for (int i = 0; i < 6; ++i) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      try {
        const std::string path = agent_initramfs(agent, dir.path());
        ::_exit(::access(path.c_str(), R_OK) == 0 ? 0 : 2);
      } catch (...) {
        ::_exit(1);
      }
    }
    children.push_back(pid);
  }
  for (const pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  }
}

}  // namespace
}  // namespace ppc::shim
