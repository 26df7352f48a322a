#include "tree_walk.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "base/error.h"
#include "base/unique_fd.h"
#include "host_entry.h"

namespace ppc::rootfs {
namespace {

struct DirCloser {
  void operator()(DIR* dir) const { ::closedir(dir); }
};

// The names in a directory. The stream reads from a duplicate so that `dir_fd` stays usable
// for the *at() calls that follow.
std::vector<std::string> list_directory(int dir_fd, const std::string& path) {
  UniqueFd dup(::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0));
  if (!dup.valid()) throw_errno("dup " + path);
  std::unique_ptr<DIR, DirCloser> dir(::fdopendir(dup.get()));
  if (!dir) throw_errno("opendir " + path);
  dup.release();  // the DIR owns it now
  std::vector<std::string> names;
  for (;;) {
    errno = 0;
    const dirent* d = ::readdir(dir.get());
    if (!d) {
      if (errno != 0) throw_errno("read directory " + path);
      return names;
    }
    if (std::strcmp(d->d_name, ".") == 0 || std::strcmp(d->d_name, "..") == 0) continue;
    names.emplace_back(d->d_name);
  }
}

// Descends with openat(O_NOFOLLOW) from the directory's own fd, so a path component
// swapped for a symlink during the scan cannot lead outside the tree.
void walk_dir(int dir_fd, const std::string& path, const std::string& prefix, const WarnFn& warn, std::vector<Entry>& out) {
  for (const std::string& name : list_directory(dir_fd, path)) {
    const std::string child_path = path + "/" + name;
    const std::string child_name = prefix.empty() ? name : prefix + "/" + name;
    struct stat st;
    if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) throw_errno("stat " + child_path);
    if (S_ISSOCK(st.st_mode)) {
      // A socket is bound by a running program: the archive cannot carry it.
      warn("skipping socket " + child_path);
      continue;
    }
    Entry entry = entry_from_stat(child_name, child_path, st);
    if (S_ISLNK(st.st_mode)) {
      entry.link_target = read_link_at(dir_fd, name.c_str(), child_path);
      entry.size = entry.link_target.size();
    }
    out.push_back(std::move(entry));
    if (S_ISDIR(st.st_mode)) {
      UniqueFd child(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!child.valid()) throw_errno("open directory " + child_path);
      struct stat opened;
      if (::fstat(child.get(), &opened) != 0) throw_errno("stat " + child_path);
      if (opened.st_dev != st.st_dev || opened.st_ino != st.st_ino) throw Error(child_path + " was replaced while being scanned");
      walk_dir(child.get(), child_path, child_name, warn, out);
    }
  }
}

}  // namespace

void walk_tree(const std::string& root, const std::string& prefix, const WarnFn& warn, std::vector<Entry>& out) {
  // The root itself may be a symlink (a bundle's rootfs often is): follow that one.
  UniqueFd fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) throw_errno("open directory " + root);
  std::string path = root;  // "tree/" would name children "tree//x"
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  walk_dir(fd.get(), path, prefix, warn, out);
}

}  // namespace ppc::rootfs
