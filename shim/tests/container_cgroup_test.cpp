// Where a container's VMM is put: linux.cgroupsPath below the cgroup v2 root, never outside it.
#include "vm/container_cgroup.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

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

// A stand-in hierarchy: the cgroup's control files exist (empty: a write replaces nothing).
void fake_cgroup_files(const std::string& dir, std::initializer_list<const char*> files) {
  std::filesystem::create_directories(dir);
  for (const char* f : files) std::ofstream(dir + "/" + f).flush();
}

std::string read(const std::string& file) {
  std::ifstream in(file);
  std::string s;
  std::getline(in, s);
  return s;
}

TEST(shim_container_cgroup, TasksAndMemoryAreAlwaysBounded) {
  test::TestDir root;
  const std::string dir = root.path() + "/pod/ctr";
  fake_cgroup_files(dir, {"memory.max", "pids.max", "cpu.max"});
  oci::Config config;  // no limits at all
  create_container_cgroup(dir, config, 320, 2, root.path());
  EXPECT_EQ(read(dir + "/pids.max"), std::to_string(vmm_tasks_max(2)));
  EXPECT_EQ(read(dir + "/memory.max"), std::to_string((320 + kVmmHeadroomMib) << 20));
  EXPECT_EQ(read(dir + "/cpu.max"), "");  // no quota: untouched
  config.linux.resources.memory.limit = 256 << 20;
  config.linux.resources.cpu.quota = 50000;
  fake_cgroup_files(dir, {"memory.max", "pids.max", "cpu.max"});
  create_container_cgroup(dir, config, 320, 2, root.path());
  EXPECT_EQ(read(dir + "/memory.max"), std::to_string((320 + kVmmHeadroomMib) << 20));
  EXPECT_EQ(read(dir + "/cpu.max"), "50000 100000");
}

TEST(shim_container_cgroup, CreateFailsNamingALimitItCannotSet) {
  test::TestDir root;
  const std::string dir = root.path() + "/ctr";
  fake_cgroup_files(dir, {"memory.max"});  // no pids controller handed down
  try {
    create_container_cgroup(dir, oci::Config{}, 128, 1, root.path());
    ADD_FAILURE() << "created without pids.max";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cgroup " + dir + ": setting pids.max to 49"), std::string::npos) << e.what();
  }
  fake_cgroup_files(dir, {"pids.max"});
  std::filesystem::remove(dir + "/memory.max");
  try {
    create_container_cgroup(dir, oci::Config{}, 128, 1, root.path());  // no container limit either
    ADD_FAILURE() << "created without memory.max";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cgroup " + dir + ": setting memory.max to " + std::to_string((128 + kVmmHeadroomMib) << 20)),
              std::string::npos)
        << e.what();
  }
}

TEST(shim_container_cgroup, VirtiofsdRunsBesideTheVmWithItsTasksBounded) {
  test::TestDir root;
  const std::string vm = root.path() + "/pod/ctr";
  EXPECT_EQ(virtiofsd_cgroup_dir(vm), root.path() + "/pod/ctr.virtiofsd");
  const std::string daemon = virtiofsd_cgroup_dir(vm);
  // The stand-in kernel: the directory exists with its control files before the write.
  fake_cgroup_files(daemon, {"pids.max", "memory.max"});
  create_virtiofsd_cgroup(daemon);
  EXPECT_EQ(read(daemon + "/pids.max"), std::to_string(kVirtiofsdTasksMax));
  EXPECT_EQ(read(daemon + "/memory.max"), "");  // guest RAM it first touches is charged here
  std::filesystem::remove(daemon + "/pids.max");
  try {
    create_virtiofsd_cgroup(daemon);
    ADD_FAILURE() << "created without pids.max";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cgroup " + daemon + ": setting pids.max to 32"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ppc::shim
