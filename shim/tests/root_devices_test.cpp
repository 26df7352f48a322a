// A read-only root without a /dev mount gets runc's /dev from the shim, inside the root only.
#include "vm/root_devices.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>

#include "base/error.h"
#include "test_dir.h"

namespace ppc::shim {
namespace {

using test::TestDir;

struct Fixture {
  TestDir dir;
  TestDir outside;
  oci::Config config;
  SharePlan share;
  Fixture() {
    std::filesystem::create_directories(dir / "rootfs");
    config.root.readonly = true;
    oci::Mount proc;
    proc.destination = "/proc";
    proc.type = proc.source = "proc";
    config.mounts = {proc};
    share.root.host_source = dir / "rootfs";
  }
  void write_in_root(const std::string& p) const { dir.write("rootfs/" + p, ""); }
  struct stat node(const std::string& p) const {
    struct stat st {};
    EXPECT_EQ(::lstat((dir / p).c_str(), &st), 0) << p;
    return st;
  }
};

TEST(shim_root_devices, AReadOnlyRootWithoutADevMountGetsRuncsDev) {
  if (::geteuid() != 0) GTEST_SKIP() << "mknod of a character device needs CAP_MKNOD";
  Fixture f;
  oci::Device fuse;
  fuse.path = "/dev/misc/fuse";
  fuse.type = "c";
  fuse.major = 10;
  fuse.minor = 229;
  fuse.file_mode = 0600;
  fuse.uid = 1000;
  fuse.gid = 1001;
  f.config.linux.devices = {fuse};
  const mode_t old_umask = ::umask(022);
  make_read_only_root_devices(f.config, f.share);
  ::umask(old_umask);
  const struct stat null = f.node("rootfs/dev/null");
  EXPECT_TRUE(S_ISCHR(null.st_mode));
  EXPECT_EQ(null.st_rdev, makedev(1, 3));
  EXPECT_EQ(null.st_mode & 07777, 0666u) << "the umask must not narrow it";
  EXPECT_TRUE(S_ISCHR(f.node("rootfs/dev/tty").st_mode));
  const struct stat made = f.node("rootfs/dev/misc/fuse");
  EXPECT_EQ(made.st_rdev, makedev(10, 229));
  EXPECT_EQ(made.st_mode & 07777, 0600u);
  EXPECT_EQ(made.st_uid, 1000u);
  EXPECT_EQ(made.st_gid, 1001u);
  EXPECT_EQ(std::filesystem::read_symlink(f.dir / "rootfs/dev/fd"), "/proc/self/fd");
  EXPECT_EQ(std::filesystem::read_symlink(f.dir / "rootfs/dev/ptmx"), "pts/ptmx");
  make_read_only_root_devices(f.config, f.share);  // again: all there, nothing fails
}

TEST(shim_root_devices, ADevMountOrAWritableRootIsLeftToTheAgent) {
  Fixture f;
  oci::Mount dev;
  dev.destination = "/dev/";
  dev.type = dev.source = "tmpfs";
  f.config.mounts.push_back(dev);
  make_read_only_root_devices(f.config, f.share);
  EXPECT_FALSE(std::filesystem::exists(f.dir / "rootfs/dev"));
  f.config.mounts.pop_back();
  f.config.root.readonly = false;
  make_read_only_root_devices(f.config, f.share);
  EXPECT_FALSE(std::filesystem::exists(f.dir / "rootfs/dev"));
}

// What `make_read_only_root_devices` throws ("" for nothing).
std::string refusal(const Fixture& f) {
  try {
    make_read_only_root_devices(f.config, f.share);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(shim_root_devices, ALinkOnTheWayIsRefusedNotFollowed) {
  Fixture f;
  std::filesystem::create_directory_symlink(f.outside.path(), f.dir / "rootfs/dev");
  EXPECT_NE(refusal(f).find("/dev: a symbolic link or a file, not a directory: not followed"), std::string::npos)
      << refusal(f);
  EXPECT_TRUE(std::filesystem::is_empty(f.outside.path())) << "a mknod followed /dev out of the root";

  Fixture g;
  oci::Device pipe;
  pipe.path = "/etc/up/fifo";  // through a relative link that climbs out
  pipe.type = "p";
  std::filesystem::create_directories(g.dir / "rootfs/etc");
  std::filesystem::create_directory_symlink("../../", g.dir / "rootfs/etc/up");
  g.config.linux.devices = {pipe};
  const std::string refused = refusal(g);
  if (::geteuid() == 0) {  // the default devices come first, and need root
    EXPECT_NE(refused.find("linux.devices[0] (/etc/up/fifo): /etc/up: a symbolic link"), std::string::npos) << refused;
  }
  EXPECT_FALSE(refused.empty());
  EXPECT_FALSE(std::filesystem::exists(g.dir / "fifo")) << "a mknod followed /etc/up out of the root";
}

TEST(shim_root_devices, AnImagesPtmxNodeGivesWayToRuncsLink) {
  if (::geteuid() != 0) GTEST_SKIP() << "mknod of a character device needs CAP_MKNOD";
  Fixture f;
  f.write_in_root("dev/ptmx");
  f.write_in_root("dev/stdin");
  make_read_only_root_devices(f.config, f.share);
  EXPECT_EQ(std::filesystem::read_symlink(f.dir / "rootfs/dev/ptmx"), "pts/ptmx");
  EXPECT_TRUE(std::filesystem::is_regular_file(std::filesystem::symlink_status(f.dir / "rootfs/dev/stdin")))
      << "runc keeps what the image has in place of the other links";
}

TEST(shim_root_devices, ABadDeviceIsNamed) {
  Fixture f;
  oci::Device odd;
  odd.path = "/dev/odd";
  odd.type = "x";
  f.config.linux.devices = {odd};
  try {
    make_read_only_root_devices(f.config, f.share);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("linux.devices[0] (/dev/odd)"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ppc::shim
