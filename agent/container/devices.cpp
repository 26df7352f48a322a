#include "container/devices.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/error.h"
#include "base/unique_fd.h"
#include "container/open_or_create.h"
#include "oci/default_devices.h"

namespace ppc::agent {
namespace {

// mknod, or where the container's /dev does not allow it, a bind mount of the guest's own node
// over a placeholder: an empty file, or on a read-only root without a /dev mount the node the
// shim made there on the host (the share is nodev, so that node cannot be opened).
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
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    // A link would take the bind elsewhere (the image's choice, not ours to follow).
    if (S_ISLNK(st.st_mode) || S_ISDIR(st.st_mode)) {
      throw Error("mknod " + path + ": " + std::strerror(mknod_errno) + ", and a link or directory is in its place");
    }
  } else if (!open_or_create(path, O_WRONLY | O_CLOEXEC, 0644).valid()) {
    errno = mknod_errno;
    throw_errno("mknod " + path);
  }
  if (::mount(guest_node.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) != 0) {
    const int mount_errno = errno;
    throw Error("mknod " + path + ": " + std::strerror(mknod_errno) + "; binding " + guest_node + " over it: " +
                std::strerror(mount_errno));
  }
}

void make_symlink(const char* target, const std::string& link) {
  if (::symlink(target, link.c_str()) != 0 && errno != EEXIST) throw_errno("symlink " + link);
}

}  // namespace

void create_default_devices(const std::string& root, const std::vector<oci::Device>& extra) {
  const std::string dev = root + "/dev";
  for (const oci::DefaultDevice& d : oci::kDefaultDevices) {
    make_node(dev + "/" + d.name, S_IFCHR, d.major, d.minor, oci::kDefaultDeviceMode, 0, 0);
  }
  for (const oci::Device& d : extra) {
    const mode_t type = oci::device_file_type(d.type);
    if (type == 0) throw Error("linux.devices " + d.path + ": unknown type \"" + d.type + "\"");
    make_node(root + d.path, type, static_cast<unsigned>(d.major), static_cast<unsigned>(d.minor),
              d.file_mode.value_or(0666) & 07777, d.uid.value_or(0), d.gid.value_or(0));
  }
  // The container's own devpts instance (mounts) provides pts/ptmx; a ptmx node of the image
  // gives way to the link.
  struct stat st {};
  if (::lstat((dev + "/ptmx").c_str(), &st) == 0 && !S_ISLNK(st.st_mode)) ::unlink((dev + "/ptmx").c_str());
  for (const oci::DevSymlink& link : oci::kDevSymlinks) make_symlink(link.target, dev + "/" + link.name);
}

}  // namespace ppc::agent
