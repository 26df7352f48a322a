#include "archive_path.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace ppc::rootfs {
namespace {

TEST(RootfsArchivePath, NormalizesAbsolutePaths) {
  EXPECT_EQ(archive_name("/rootfs", false), "rootfs");
  EXPECT_EQ(archive_name("//etc///hosts/", false), "etc/hosts");
  EXPECT_EQ(archive_name("/", true), "");
  EXPECT_EQ(archive_name("/a.b/..c/c..", false), "a.b/..c/c..");
}

TEST(RootfsArchivePath, RejectsWhatCouldMeanSomethingElse) {
  EXPECT_THROW(archive_name("/", false), Error);
  EXPECT_THROW(archive_name("rootfs", true), Error);
  EXPECT_THROW(archive_name("", true), Error);
  EXPECT_THROW(archive_name("/a/../b", false), Error);
  EXPECT_THROW(archive_name("/a/./b", false), Error);
  EXPECT_THROW(archive_name(std::string("/a\0b", 4), false), Error);
}

TEST(RootfsArchivePath, ParentName) {
  EXPECT_EQ(parent_name("a/b/c"), "a/b");
  EXPECT_EQ(parent_name("a"), "");
}

}  // namespace
}  // namespace ppc::rootfs
