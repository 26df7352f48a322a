// Where a container's VMM is put: linux.cgroupsPath below the cgroup v2 root, never outside it.
#include "vm/container_cgroup.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "test_dir.h"

namespace ppc::shim {
namespace {

TEST(shim_container_cgroup, PathsLandBelowTheRoot) {
  EXPECT_EQ(cgroup_dir_for("/sys/fs/cgroup", "/libpod_parent/libpod-abc", "/own"), "/sys/fs/cgroup/libpod_parent/libpod-abc");
  EXPECT_EQ(cgroup_dir_for("/sys/fs/cgroup", "/a/./b//", "/own"), "/sys/fs/cgroup/a/b");
  EXPECT_EQ(cgroup_dir_for("/sys/fs/cgroup", "ctr", "/user.slice/shim"), "/sys/fs/cgroup/user.slice/shim/ctr");
  EXPECT_THROW(cgroup_dir_for("/sys/fs/cgroup", "/a/../../etc", "/"), Error);
  EXPECT_THROW(cgroup_dir_for("/sys/fs/cgroup", "/./", "/"), Error);
}

TEST(shim_container_cgroup, NoneWithoutAPathForSystemdOrWithoutCgroup2) {
  oci::Config config;
  EXPECT_EQ(container_cgroup_dir(config), std::nullopt);
  config.linux.cgroups_path = "machine.slice:libpod:abc";
  EXPECT_EQ(container_cgroup_dir(config), std::nullopt);
  test::TestDir not_a_cgroup_mount;
  config.linux.cgroups_path = "/libpod_parent/libpod-abc";
  EXPECT_EQ(container_cgroup_dir(config, not_a_cgroup_mount.path()), std::nullopt);
}

}  // namespace
}  // namespace ppc::shim
