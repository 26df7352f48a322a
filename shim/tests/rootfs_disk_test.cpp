// A container root on an ext4 disk: measured, built with its files, refused with mke2fs's
// reason; the VMM gets the drive read-only and the agent its name on the command line.
#include "vm/rootfs_disk.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "base/error.h"
#include "test_dir.h"
#include "vm/vmm_process.h"

namespace ppc::shim {
namespace {

using test::TestDir;

// debugfs (e2fsprogs) reads the image without mounting it.
std::string debugfs(const std::string& image, const std::string& request) {
  const std::string command = "/sbin/debugfs -R '" + request + "' " + image + " 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  std::string out;
  std::array<char, 4096> buf{};
  while (pipe && std::fgets(buf.data(), buf.size(), pipe.get()) != nullptr) out += buf.data();
  return out;
}

TEST(shim_rootfs_disk, MeasuresFilesByBlocksAndCountsEntries) {
  TestDir dir;
  dir.write("root/bin/tool", std::string(5000, 'x'));
  dir.write("root/etc/hostname", "guest\n");
  std::filesystem::create_symlink("tool", dir / "root/bin/link");
  const TreeSize size = measure_tree(dir / "root");
  EXPECT_EQ(size.entries, 5u);  // bin, etc, tool, hostname, link
  EXPECT_EQ(size.bytes, 6 * 4096u);  // a block for each directory, the link and hostname; tool takes 2
}

TEST(shim_rootfs_disk, TheImageHoldsTheTree) {
  TestDir dir;
  dir.write("root/hello.txt", "hello from the disk\n");
  dir.write("root/sub/deep.txt", "deep\n");
  std::filesystem::create_symlink("hello.txt", dir / "root/link");
  const std::string image = dir / "rootfs.ext4";
  build_rootfs_disk(dir / "root", measure_tree(dir / "root"), image);
  EXPECT_EQ(debugfs(image, "cat /hello.txt"), "hello from the disk\n");
  EXPECT_EQ(debugfs(image, "cat /sub/deep.txt"), "deep\n");
  EXPECT_NE(debugfs(image, "stat /link").find("Type: symlink"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(image + ".part"));
}

TEST(shim_rootfs_disk, MissingRootIsAnErrorAndLeavesNothing) {
  TestDir dir;
  const std::string image = dir / "rootfs.ext4";
  try {
    build_rootfs_disk(dir / "absent", TreeSize{4096, 1}, image);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("mke2fs -d " + (dir / "absent")), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(image));
  EXPECT_FALSE(std::filesystem::exists(image + ".part"));
}

TEST(shim_rootfs_disk, TheVmmGetsTheDriveReadOnlyAndTheAgentItsName) {
  ShimConfig c;
  c.vmm = "/v";
  const auto cmd = vmm_command(c, VmSize{128, 1, "auto", "/k"}, "/d", "/d/rootfs.ext4");
  const auto drive = std::find(cmd.begin(), cmd.end(), "--drive");
  ASSERT_NE(drive, cmd.end());
  EXPECT_EQ(*(drive + 1), "/d/rootfs.ext4,ro");
  const auto line = std::find(cmd.begin(), cmd.end(), "--cmdline");
  ASSERT_NE(line, cmd.end());
  EXPECT_EQ(*(line + 1), "console=hvc0 panic=-1 PPC_KVM_ROOTFS_DISK=/dev/vda");
  const auto without = vmm_command(c, VmSize{128, 1, "auto", "/k"}, "/d");
  EXPECT_EQ(std::count(without.begin(), without.end(), "--drive"), 0);
}

}  // namespace
}  // namespace ppc::shim
