// Mount points on the shared root are made without O_CREAT lacking O_EXCL (virtiofsd 7.2 aborts
// on that when another guest made the name meanwhile), and otherwise as open(O_CREAT) would.
#include "container/open_or_create.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace ppc::agent {
namespace {

class OpenOrCreate : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/open-or-create.XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(OpenOrCreate, AnExistingFileIsOpenedUntouched) {
  std::ofstream(dir_ + "/f") << "kept";
  ASSERT_TRUE(open_or_create(dir_ + "/f", O_WRONLY | O_CLOEXEC, 0600).valid());
  std::ifstream in(dir_ + "/f");
  std::string content;
  in >> content;
  EXPECT_EQ(content, "kept");
}

TEST_F(OpenOrCreate, AMissingFileIsCreatedWithTheMode) {
  const mode_t old = ::umask(0);
  const bool created = open_or_create(dir_ + "/new", O_RDONLY | O_CLOEXEC, 0640).valid();
  ::umask(old);
  ASSERT_TRUE(created);
  struct stat st {};
  ASSERT_EQ(::stat((dir_ + "/new").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0640u);
}

TEST_F(OpenOrCreate, AMissingParentIsAnErrorWithItsErrno) {
  EXPECT_FALSE(open_or_create(dir_ + "/no/such", O_RDONLY | O_CLOEXEC, 0644).valid());
  EXPECT_EQ(errno, ENOENT);
}

TEST_F(OpenOrCreate, ADanglingSymlinkGetsItsTargetCreatedAsOCreatWould) {
  ASSERT_EQ(::symlink("target", (dir_ + "/link").c_str()), 0);
  EXPECT_TRUE(open_or_create(dir_ + "/link", O_RDONLY | O_CLOEXEC, 0644).valid());
  EXPECT_TRUE(std::filesystem::is_regular_file(dir_ + "/target"));
}

}  // namespace
}  // namespace ppc::agent
