#include "container/executable.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "container/launch_error.h"

namespace ppc::agent {
namespace {

namespace fs = std::filesystem;

class FindExecutable : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("exec-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "a");
    fs::create_directories(dir_ / "b");
    write(dir_ / "a" / "tool", 0644);  // not executable: skipped in a PATH search
    write(dir_ / "b" / "tool", 0755);
    fs::create_directories(dir_ / "b" / "dir");
  }
  void TearDown() override { fs::remove_all(dir_); }
  static void write(const fs::path& p, mode_t mode) {
    std::ofstream(p) << "#!/bin/sh\n";
    ::chmod(p.c_str(), mode);
  }
  std::vector<std::string> env() const { return {"HOME=/", "PATH=" + (dir_ / "a").string() + ":" + (dir_ / "b").string()}; }
  fs::path dir_;
};

TEST_F(FindExecutable, SearchesThePathOfTheProcessEnvInOrder) {
  EXPECT_EQ(find_executable("tool", env()), (dir_ / "b" / "tool").string());
}

TEST_F(FindExecutable, MissingNameIs127WithRuncsMessage) {
  try {
    find_executable("nope", env());
    FAIL() << "no error";
  } catch (const LaunchError& e) {
    EXPECT_EQ(e.exit_status(), 127);
    EXPECT_STREQ(e.what(), "exec: \"nope\": executable file not found in $PATH");
  }
}

TEST_F(FindExecutable, PathsWithASlashAreTakenAsTheyAre) {
  EXPECT_EQ(find_executable((dir_ / "b" / "tool").string(), {}), (dir_ / "b" / "tool").string());
  try {
    find_executable((dir_ / "b" / "missing").string(), env());
    FAIL() << "no error";
  } catch (const LaunchError& e) {
    EXPECT_EQ(e.exit_status(), 127);
  }
}

TEST_F(FindExecutable, ADirectoryOrANonExecutableFileIs126) {
  if (::geteuid() == 0) {
    // root passes access(X_OK) for any file with an x bit; the directory case still holds.
  }
  try {
    find_executable((dir_ / "b" / "dir").string(), {});
    FAIL() << "no error";
  } catch (const LaunchError& e) {
    EXPECT_EQ(e.exit_status(), 126);
  }
  try {
    find_executable((dir_ / "a" / "tool").string(), {});
    FAIL() << "no error";
  } catch (const LaunchError& e) {
    EXPECT_EQ(e.exit_status(), 126);
  }
}

}  // namespace
}  // namespace ppc::agent
