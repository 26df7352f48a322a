#include "base/tree_removal.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "base/error.h"
#include "base/unique_fd.h"

namespace ppc {
namespace {

// mountinfo escapes space, tab, newline and backslash in paths as \ooo.
std::string unescape_mountinfo(const std::string& field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      const std::string octal = field.substr(i + 1, 3);
      if (octal.size() == 3 && std::all_of(octal.begin(), octal.end(), [](char c) { return c >= '0' && c <= '7'; })) {
        out.push_back(static_cast<char>(std::stoi(octal, nullptr, 8)));
        i += 3;
        continue;
      }
    }
    out.push_back(field[i]);
  }
  return out;
}

bool at_or_below(const std::string& path, const std::string& dir) {
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/');
}

// A directory entry that is the root of another mount (statx STATX_ATTR_MOUNT_ROOT).
bool is_mount_root(int dir_fd, const char* name) {
  struct statx stx {};
  if (::statx(dir_fd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_BASIC_STATS, &stx) != 0)
    throw_errno(std::string("statx ") + name);
  return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

void remove_contents(int dir_fd, const std::string& path) {
  UniqueFd walk(::dup(dir_fd));
  if (!walk.valid()) throw_errno("dup " + path);
  DIR* d = ::fdopendir(walk.release());
  if (!d) throw_errno("opendir " + path);
  std::vector<std::pair<std::string, bool>> entries;  // name, is a directory
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    struct stat st {};
    if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      ::closedir(d);
      throw_errno("stat " + path + "/" + name);
    }
    entries.emplace_back(name, S_ISDIR(st.st_mode));
  }
  ::closedir(d);
  for (const auto& [name, is_dir] : entries) {
    const std::string child = path + "/" + name;
    if (is_dir) {
      if (is_mount_root(dir_fd, name.c_str())) throw Error("not removing " + child + ": it is a mount point");
      UniqueFd sub(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!sub.valid()) throw_errno("open " + child);
      remove_contents(sub.get(), child);
    }
    if (::unlinkat(dir_fd, name.c_str(), is_dir ? AT_REMOVEDIR : 0) != 0 && errno != ENOENT) throw_errno("remove " + child);
  }
}

}  // namespace

std::vector<std::string> mounts_below(const std::string& dir) {
  std::ifstream in("/proc/self/mountinfo");
  if (!in) throw Error("cannot read /proc/self/mountinfo");
  std::vector<std::string> found;
  std::string line;
  while (std::getline(in, line)) {
    // id parent major:minor root mount-point options ...
    std::istringstream fields(line);
    std::string id, parent, device, root, mount_point;
    if (!(fields >> id >> parent >> device >> root >> mount_point)) continue;
    const std::string path = unescape_mountinfo(mount_point);
    if (at_or_below(path, dir)) found.push_back(path);
  }
  std::sort(found.begin(), found.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return found;
}

void remove_tree_within_mount(const std::string& dir) {
  const std::vector<std::string> mounted = mounts_below(dir);
  if (!mounted.empty()) throw Error("not removing " + dir + ": " + mounted.front() + " is mounted there");
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return;
    throw_errno("open " + dir);
  }
  remove_contents(fd.get(), dir);
  fd.reset();
  if (::rmdir(dir.c_str()) != 0 && errno != ENOENT) throw_errno("remove " + dir);
}

}  // namespace ppc
