#include "host_entry.h"

#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "base/error.h"

namespace ppc::rootfs {

Entry entry_from_stat(std::string name, std::string source, const struct stat& st) {
  Entry e;
  e.name = std::move(name);
  e.source = std::move(source);
  e.mode = st.st_mode;
  e.uid = st.st_uid;
  e.gid = st.st_gid;
  e.mtime = st.st_mtim.tv_sec;
  e.host_dev = st.st_dev;
  e.host_ino = st.st_ino;
  switch (st.st_mode & S_IFMT) {
    case S_IFREG:
      if (static_cast<uint64_t>(st.st_size) > UINT32_MAX) {
        throw Error(e.source + ": " + std::to_string(st.st_size) + " bytes, more than a newc archive entry can hold (4 GiB - 1)");
      }
      e.size = static_cast<uint64_t>(st.st_size);
      e.hardlinked = st.st_nlink > 1;
      break;
    case S_IFCHR:
    case S_IFBLK:
      e.rdev_major = major(st.st_rdev);
      e.rdev_minor = minor(st.st_rdev);
      break;
    case S_IFDIR:
    case S_IFLNK:
    case S_IFIFO:
      break;
    default:
      throw Error(e.source + ": file type 0" + std::to_string((st.st_mode & S_IFMT) >> 12) + " cannot be archived");
  }
  return e;
}

std::string read_link_at(int dir_fd, const char* name, const std::string& path) {
  // st_size of a symlink is only a hint (0 on some filesystems): grow until the target fits.
  std::vector<char> buffer(256);
  for (;;) {
    const ssize_t n = ::readlinkat(dir_fd, name, buffer.data(), buffer.size());
    if (n < 0) throw_errno("readlink " + path);
    if (static_cast<size_t>(n) < buffer.size()) return std::string(buffer.data(), static_cast<size_t>(n));
    buffer.resize(buffer.size() * 2);
  }
}

Entry root_owned_file(std::string name, const std::string& source, std::optional<uint32_t> mode) {
  struct stat st;
  if (::stat(source.c_str(), &st) != 0) throw_errno("stat " + source);
  if (!S_ISREG(st.st_mode)) throw Error(source + " is not a regular file");
  Entry e = entry_from_stat(std::move(name), source, st);
  e.follow_source = true;
  e.hardlinked = false;  // its own copy: it has its own owner and mode
  e.mode = S_IFREG | (mode ? *mode : (st.st_mode & 07777));
  e.uid = 0;
  e.gid = 0;
  return e;
}

}  // namespace ppc::rootfs
