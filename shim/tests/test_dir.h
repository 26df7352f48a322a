#pragma once
// A temporary directory for one test, removed with everything in it.
#include <stdlib.h>
#include <sys/mount.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "base/tree_removal.h"

namespace ppc::shim::test {

class TestDir {
 public:
  TestDir() {
    char pattern[] = "/tmp/shim-test.XXXXXX";
    path_ = ::mkdtemp(pattern);
  }
  // A test that mounted something below leaves it to be unmounted here, never removed
  // through (that would delete what was bound).
  ~TestDir() {
    try {
      for (const std::string& mount : mounts_below(path_)) ::umount2(mount.c_str(), MNT_DETACH);
      remove_tree_within_mount(path_);
    } catch (const std::exception&) {
    }
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }
  std::string write(const std::string& name, const std::string& content) const {
    const std::string p = *this / name;
    std::filesystem::create_directories(std::filesystem::path(p).parent_path());
    std::ofstream(p) << content;
    return p;
  }

 private:
  std::string path_;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace ppc::shim::test
