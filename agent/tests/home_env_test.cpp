// HOME as crun and runc set it for a process whose env has none: from the container's
// /etc/passwd entry for the process's uid, else "/".
#include "container/home_env.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace ppc::agent {
namespace {

class HomeEnv : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/home-env.XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    passwd_ = dir_ + "/passwd";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write_passwd(const std::string& text) { std::ofstream(passwd_) << text; }
  std::vector<std::string> home_for(uid_t uid, std::vector<std::string> env = {"PATH=/bin"}) {
    return with_home(std::move(env), uid, passwd_.c_str());
  }
  std::string dir_, passwd_;
};

TEST_F(HomeEnv, TheEnvsOwnHomeIsKept) {
  write_passwd("root:x:0:0:root:/root:/bin/sh\n");
  EXPECT_EQ(home_for(0, {"HOME=/mine", "PATH=/bin"}), (std::vector<std::string>{"HOME=/mine", "PATH=/bin"}));
}

TEST_F(HomeEnv, TheUidsEntryGivesIt) {
  write_passwd("root:x:0:0:root:/root:/bin/sh\nwww:x:33:33:www:/var/www:/bin/false\n");
  EXPECT_EQ(home_for(33), (std::vector<std::string>{"PATH=/bin", "HOME=/var/www"}));
  EXPECT_EQ(home_for(0), (std::vector<std::string>{"PATH=/bin", "HOME=/root"}));
}

TEST_F(HomeEnv, NoEntryOrNoFileGivesTheRoot) {
  write_passwd("root:x:0:0:root:/root:/bin/sh\n");
  EXPECT_EQ(home_for(1000), (std::vector<std::string>{"PATH=/bin", "HOME=/"}));
  std::filesystem::remove(passwd_);
  EXPECT_EQ(home_for(0), (std::vector<std::string>{"PATH=/bin", "HOME=/"}));
}

TEST_F(HomeEnv, AMalformedLineIsSkippedAndALongOneRead) {
  const std::string long_home = "/" + std::string(5000, 'h');
  write_passwd("garbage without colons\nbad:x:notanumber:0::/nope:/bin/sh\nlong:x:7:7::" + long_home +
               ":/bin/sh\nu:x:8:8::/u8:/bin/sh\n");
  EXPECT_EQ(home_for(8).back(), "HOME=/u8");
  EXPECT_EQ(home_for(7).back(), "HOME=" + long_home);
}

}  // namespace
}  // namespace ppc::agent
