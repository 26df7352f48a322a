#include "base/tree_removal.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "base/error.h"

namespace ppc {
namespace {

std::string make_temp_dir() {
  std::string pattern = ::testing::TempDir() + "tree-removal-XXXXXX";
  if (!::mkdtemp(pattern.data())) throw Error("mkdtemp");
  return pattern;
}

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

TEST(TreeRemoval, RemovesFilesDirectoriesAndLinksButNotWhatLinksPointTo) {
  const std::string outside = make_temp_dir(), tree = make_temp_dir();
  write(outside + "/precious", "keep me");
  ASSERT_EQ(::mkdir((tree + "/a").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((tree + "/a/b").c_str(), 0700), 0);
  write(tree + "/a/b/file", "x");
  ASSERT_EQ(::symlink(outside.c_str(), (tree + "/a/dir-link").c_str()), 0);
  ASSERT_EQ(::symlink((outside + "/precious").c_str(), (tree + "/file-link").c_str()), 0);
  ASSERT_EQ(::chmod((tree + "/a/b").c_str(), 0500), 0);  // removable by its owner all the same (root)
  remove_tree_within_mount(tree);
  EXPECT_FALSE(exists(tree));
  EXPECT_TRUE(exists(outside + "/precious"));
  remove_tree_within_mount(outside);
}

TEST(TreeRemoval, AMissingDirectoryIsNotAnError) { EXPECT_NO_THROW(remove_tree_within_mount("/nonexistent/ppc-kvm-test")); }

TEST(TreeRemoval, RefusesToReachThroughABindMountAndRemovesNothing) {
  const std::string volume = make_temp_dir(), tree = make_temp_dir();
  write(volume + "/data", "user data");
  ASSERT_EQ(::mkdir((tree + "/share").c_str(), 0755), 0);
  write(tree + "/state", "s");
  if (::mount(volume.c_str(), (tree + "/share").c_str(), nullptr, MS_BIND, nullptr) != 0) {
    const int err = errno;
    remove_tree_within_mount(tree);
    remove_tree_within_mount(volume);
    GTEST_SKIP() << "bind mounts need root (mount: " << std::strerror(err) << ")";
  }
  EXPECT_EQ(mounts_below(tree), std::vector<std::string>{tree + "/share"});
  try {
    remove_tree_within_mount(tree);
    FAIL() << "removed a tree with a mount in it";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(tree + "/share"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(exists(volume + "/data"));
  EXPECT_TRUE(exists(tree + "/state"));  // nothing was removed
  ASSERT_EQ(::umount2((tree + "/share").c_str(), MNT_DETACH), 0);
  remove_tree_within_mount(tree);
  EXPECT_FALSE(exists(tree));
  EXPECT_TRUE(exists(volume + "/data"));
  remove_tree_within_mount(volume);
}

TEST(TreeRemoval, MountsBelowIgnoresSiblingsThatShareAPrefix) {
  const std::string tree = make_temp_dir();
  ASSERT_EQ(::mkdir((tree + "/share").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((tree + "/share-other").c_str(), 0755), 0);
  if (::mount(tree.c_str(), (tree + "/share-other").c_str(), nullptr, MS_BIND, nullptr) != 0) {
    remove_tree_within_mount(tree);
    GTEST_SKIP() << "bind mounts need root";
  }
  EXPECT_TRUE(mounts_below(tree + "/share").empty());
  EXPECT_EQ(mounts_below(tree), std::vector<std::string>{tree + "/share-other"});
  ASSERT_EQ(::umount2((tree + "/share-other").c_str(), MNT_DETACH), 0);
  remove_tree_within_mount(tree);
}

TEST(TreeRemoval, MountsBelowListsTheDeepestFirst) {
  const auto all = mounts_below("/");
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.back(), "/");
  for (size_t i = 1; i < all.size(); ++i) EXPECT_GE(all[i - 1].size(), all[i].size());
}

}  // namespace
}  // namespace ppc
