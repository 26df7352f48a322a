#pragma once
// Helpers shared by the archive tests: temporary directories, files, a snapshot of a tree
// for comparison, running GNU cpio, and a minimal newc reader written independently of
// CpioWriter (it follows the format description, not our code).
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ppc::rootfs::test {

// The independent reader: Debian's GNU cpio. Tests fail, not skip, without it.
inline constexpr const char* kGnuCpio = "/usr/bin/cpio";

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void write_file(const std::string& path, const std::string& content, mode_t mode = 0644);
std::string read_file(const std::string& path);
bool exists(const std::string& path);  // lstat succeeds
bool running_as_root();

struct CommandResult {
  int status = -1;  // exit status, or -1 if it did not exit normally
  std::string output;  // stdout and stderr
};
// Runs `command` with /bin/sh. Under qemu-user the shell is the host's own binary: the
// emulator passes execve to the kernel, which runs it natively.
CommandResult run_shell(const std::string& command);
std::string quote(const std::string& text);  // for the shell

// What the comparisons look at, per path relative to the snapshot's root.
struct FileInfo {
  mode_t mode = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  uint64_t size = 0;
  int64_t mtime = 0;
  dev_t rdev = 0;
  ino_t ino = 0;
  nlink_t nlink = 0;
  std::string content;  // regular files
  std::string target;   // symlinks
};
std::map<std::string, FileInfo> snapshot(const std::string& root);

// One parsed newc entry.
struct NewcEntry {
  std::string name;
  uint32_t ino = 0, mode = 0, uid = 0, gid = 0, nlink = 0, mtime = 0, filesize = 0;
  uint32_t devmajor = 0, devminor = 0, rdevmajor = 0, rdevminor = 0, namesize = 0, check = 0;
  std::string data;
};
// Throws std::runtime_error on anything that is not well-formed newc (bad magic or hex,
// nonzero padding, missing trailer, bytes after it other than zero padding).
std::vector<NewcEntry> parse_newc(const std::string& archive);

}  // namespace ppc::rootfs::test
