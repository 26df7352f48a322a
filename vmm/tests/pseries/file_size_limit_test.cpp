#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "pseries/machine_builder.h"

namespace ppc::vmm {
namespace {

constexpr uint64_t kMiB = 1ull << 20;

TEST(FileSizeLimit, LeavesRoomForTheLogAtLeast) {
  MachineConfig config;
  config.console_limits = {1 * kMiB, 1024, 4096};
  EXPECT_EQ(file_size_limit(config), 64 * kMiB);
}

TEST(FileSizeLimit, ALargerConsoleTotalGetsItsNoticesToo) {
  MachineConfig config;
  config.console_limits = {100 * kMiB, 1024, 4096};
  EXPECT_EQ(file_size_limit(config), 100 * kMiB + 64 * 1024);
}

TEST(FileSizeLimit, AWritableDriveLargerThanThatIsWholeReadOnlyNeedNot) {
  char path[] = "/tmp/file-size-limit-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, 200 * kMiB), 0);  // sparse
  ::close(fd);
  MachineConfig config;
  config.devices.drives = {{path, true}};
  EXPECT_EQ(file_size_limit(config), 64 * kMiB);
  config.devices.drives = {{path, true}, {path, false}};
  EXPECT_EQ(file_size_limit(config), 200 * kMiB);
  ::unlink(path);
}

TEST(FileSizeLimit, ASnapshotHasRoomForTheGuestsRam) {
  MachineConfig config;
  config.console_limits = {1 * kMiB, 1024, 4096};
  config.memory = 512 * kMiB;
  EXPECT_EQ(file_size_limit(config), 64 * kMiB);
  config.snapshot_to = "/tmp/snapshot";
  EXPECT_EQ(file_size_limit(config), 512 * kMiB);
}

}  // namespace
}  // namespace ppc::vmm
