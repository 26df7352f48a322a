#include "container/devices.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "base/error.h"
#include "base/unique_fd.h"
#include "container/open_or_create.h"

namespace ppc::agent {
namespace {

struct DefaultDevice {
  const char* name;
  unsigned major, minor;
};
constexpr DefaultDevice kDefaults[] = {
    {"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

// mknod, or where the container's /dev does not allow it (a read-only root without a /dev
// tmpfs), a bind mount of the guest's own node.
void make_node(const std::string& path, mode_t type, unsigned major, unsigned minor, mode_t mode, uid_t uid,
               gid_t gid) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  ::unlink(path.c_str());
  if (::mknod(path.c_str(), type | mode, makedev(major, minor)) == 0) {
    if (::chmod(path.c_str(), mode) != 0) throw_errno("chmod " + path);
    if (::chown(path.c_str(), uid, gid) != 0) throw_errno("chown " + path);
    return;
  }
  const int mknod_errno = errno;
  const std::string guest_node = "/dev/" + std::filesystem::path(path).filename().string();
  UniqueFd placeholder = open_or_create(path, O_WRONLY | O_CLOEXEC, 0644);
  if (!placeholder.valid() || ::mount(guest_node.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) != 0) {
    errno = mknod_errno;
    throw_errno("mknod " + path);
  }
}

void make_symlink(const char* target, const std::string& link) {
  if (::symlink(target, link.c_str()) != 0 && errno != EEXIST) throw_errno("symlink " + link);
}

}  // namespace

void create_default_devices(const std::string& root, const std::vector<oci::Device>& extra) {
  const std::string dev = root + "/dev";
  for (const DefaultDevice& d : kDefaults) make_node(dev + "/" + d.name, S_IFCHR, d.major, d.minor, 0666, 0, 0);
  for (const oci::Device& d : extra) {
    mode_t type;
    if (d.type == "c" || d.type == "u") type = S_IFCHR;
    else if (d.type == "b") type = S_IFBLK;
    else if (d.type == "p") type = S_IFIFO;
    else throw Error("linux.devices " + d.path + ": unknown type \"" + d.type + "\"");
    make_node(root + d.path, type, static_cast<unsigned>(d.major), static_cast<unsigned>(d.minor),
              d.file_mode.value_or(0666) & 07777, d.uid.value_or(0), d.gid.value_or(0));
  }
  make_symlink("/proc/self/fd", dev + "/fd");
  make_symlink("/proc/self/fd/0", dev + "/stdin");
  make_symlink("/proc/self/fd/1", dev + "/stdout");
  make_symlink("/proc/self/fd/2", dev + "/stderr");
  // The container's own devpts instance (mounts) provides pts/ptmx; /dev/ptmx points at it.
  struct stat st {};
  if (::lstat((dev + "/ptmx").c_str(), &st) == 0 && !S_ISLNK(st.st_mode)) ::unlink((dev + "/ptmx").c_str());
  make_symlink("pts/ptmx", dev + "/ptmx");
}

}  // namespace ppc::agent
