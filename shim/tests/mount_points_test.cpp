// A read-only root gets its missing mount points from the shim, inside the root only.
#include "vm/mount_points.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "base/error.h"
#include "test_dir.h"

namespace ppc::shim {
namespace {

using test::TestDir;

oci::Mount mount(const std::string& destination, const std::string& type, const std::string& source) {
  oci::Mount m;
  m.destination = destination;
  m.type = type;
  m.source = source;
  return m;
}

struct Fixture {
  TestDir dir;
  TestDir outside;
  oci::Config config;
  SharePlan share;
  Fixture() {
    std::filesystem::create_directories(dir / "rootfs/etc");
    // A link in the image that points out of the root, absolute and relative.
    std::filesystem::create_directory_symlink(outside.path(), dir / "rootfs/abs");
    std::filesystem::create_directory_symlink("../../", dir / "rootfs/etc/up");
    config.root.readonly = true;
    config.mounts = {mount("/proc", "proc", "proc"), mount("/dev", "tmpfs", "tmpfs"), mount("/dev/pts", "devpts", "devpts"),
                     mount("/run", "tmpfs", "tmpfs"), mount("/etc/hosts", "bind", "/h"), mount("/a/b/c", "tmpfs", "t"),
                     mount("/abs/x", "tmpfs", "t"), mount("/etc/up/y", "tmpfs", "t")};
    share.root.host_source = dir / "rootfs";
    ShareBind hosts;
    hosts.directory = false;
    share.mounts = {{4, hosts}};
  }
  bool is_dir(const std::string& p) const { return std::filesystem::is_directory(std::filesystem::symlink_status(dir / p)); }
  bool is_file(const std::string& p) const { return std::filesystem::is_regular_file(std::filesystem::symlink_status(dir / p)); }
};

TEST(shim_mount_points, AReadOnlyRootGetsItsMissingMountPoints) {
  Fixture f;
  make_read_only_root_mount_points(f.config, f.share);
  EXPECT_TRUE(f.is_dir("rootfs/proc"));
  EXPECT_TRUE(f.is_dir("rootfs/dev"));
  EXPECT_FALSE(f.is_dir("rootfs/dev/pts")) << "below /dev's tmpfs: the guest makes it there";
  EXPECT_TRUE(f.is_dir("rootfs/run"));
  EXPECT_TRUE(f.is_file("rootfs/etc/hosts")) << "a bind of a file gets a file";
  EXPECT_TRUE(f.is_dir("rootfs/a/b/c"));
  make_read_only_root_mount_points(f.config, f.share);  // again: all there, nothing fails
}

TEST(shim_mount_points, NoLinkLeadsOutOfTheRoot) {
  Fixture f;
  make_read_only_root_mount_points(f.config, f.share);
  EXPECT_TRUE(std::filesystem::is_empty(f.outside.path())) << "a mkdir followed /abs out of the root";
  EXPECT_FALSE(std::filesystem::exists(f.dir / "y")) << "a mkdir followed /etc/up out of the root";
  EXPECT_FALSE(std::filesystem::exists(f.dir / "rootfs/y"));
}

TEST(shim_mount_points, AMissingWorkingDirectoryIsMadeUnlessAMountHoldsIt) {
  Fixture f;
  f.config.process.emplace();
  f.config.process->cwd = "/work/dir";
  make_read_only_root_mount_points(f.config, f.share);
  EXPECT_TRUE(f.is_dir("rootfs/work/dir"));
  f.config.process->cwd = "/run/app";  // in /run's tmpfs: the guest makes it there
  make_read_only_root_mount_points(f.config, f.share);
  EXPECT_FALSE(f.is_dir("rootfs/run/app"));
  f.config.process->cwd = "/abs/w";  // through a link out of the root: left to the agent
  make_read_only_root_mount_points(f.config, f.share);
  EXPECT_TRUE(std::filesystem::is_empty(f.outside.path())) << "a mkdir followed /abs out of the root";
}

TEST(shim_mount_points, AWritableRootIsLeftToTheAgent) {
  Fixture f;
  f.config.root.readonly = false;
  f.config.process.emplace();
  f.config.process->cwd = "/work";
  make_read_only_root_mount_points(f.config, f.share);
  EXPECT_FALSE(f.is_dir("rootfs/work"));
  EXPECT_FALSE(f.is_dir("rootfs/run"));
  EXPECT_FALSE(f.is_file("rootfs/etc/hosts"));
}

TEST(shim_mount_points, AFailureNamesTheMount) {
  Fixture f;
  f.config.mounts = {mount("/" + std::string(300, 'x') + "/y", "tmpfs", "t")};  // a name longer than NAME_MAX
  f.share.mounts.clear();
  try {
    make_read_only_root_mount_points(f.config, f.share);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("mounts[0] (/xxx"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("its mount point in the read-only root"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("File name too long"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ppc::shim
