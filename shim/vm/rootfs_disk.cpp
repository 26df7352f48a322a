#include "vm/rootfs_disk.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"

extern char** environ;

namespace ppc::shim {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kBlock = 4096;

// e2fsprogs installs mke2fs in /sbin (Debian's /sbin is /usr/sbin); PATH may lack both.
std::string find_mke2fs() {
  for (const char* path : {"/usr/sbin/mke2fs", "/sbin/mke2fs", "/usr/local/sbin/mke2fs"}) {
    if (::access(path, X_OK) == 0) return path;
  }
  throw Error("mke2fs not found in /usr/sbin or /sbin: install e2fsprogs (needed for container roots on a disk)");
}

// Runs argv, returns its exit status and what it printed (stdout and stderr, the last 4 KiB).
int run_capturing(const std::vector<std::string>& args, std::string& output) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe");
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), 2);
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid;
  const int rc = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    errno = rc;
    throw_errno("starting " + args[0]);
  }
  write_end.reset();
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(read_end.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output.append(buf, static_cast<size_t>(n));
    if (output.size() > sizeof buf) output.erase(0, output.size() - sizeof buf);
  }
  int status;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw_errno("waitpid " + args[0]);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

TreeSize measure_tree(const std::string& dir) {
  TreeSize size;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::none, ec);
       !ec && it != fs::end(it); it.increment(ec)) {
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0) throw_errno("lstat " + it->path().string());
    ++size.entries;
    size.bytes += S_ISREG(st.st_mode) ? (static_cast<uint64_t>(st.st_size) + kBlock - 1) / kBlock * kBlock : kBlock;
  }
  if (ec) throw Error("reading " + dir + ": " + ec.message());
  return size;
}

void build_rootfs_disk(const std::string& rootfs, const TreeSize& size, const std::string& output) {
  // Room for the files, ext4's metadata (about 5 %) and a margin; an inode for every entry
  // with a margin too (mke2fs's default ratio runs out on trees of many small files). No
  // journal: the guest mounts it read-only.
  const uint64_t kib = (size.bytes + size.bytes / 4) / 1024 + 16 * 1024;
  const uint64_t inodes = size.entries + size.entries / 4 + 1024;
  const std::string partial = output + ".part";
  const std::vector<std::string> args = {find_mke2fs(), "-q", "-F", "-t", "ext4", "-O", "^has_journal",
                                         "-N", std::to_string(inodes), "-d", rootfs, partial,
                                         std::to_string(kib) + "K"};
  std::string output_text;
  const int status = run_capturing(args, output_text);
  if (status != 0) {
    ::unlink(partial.c_str());
    while (!output_text.empty() && output_text.back() == '\n') output_text.pop_back();
    throw Error("mke2fs -d " + rootfs + " exited with " + std::to_string(status) + ": " + output_text);
  }
  if (::rename(partial.c_str(), output.c_str()) != 0) {
    const int saved = errno;
    ::unlink(partial.c_str());
    errno = saved;
    throw_errno("rename " + partial);
  }
}

}  // namespace ppc::shim
