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

// Where nodes that the container's /dev cannot hold are made: the initramfs, the agent's own
// (not nodev), out of the container's sight once it is chrooted.
constexpr const char* kPrivateNodes = "/.container-nodes";

// The asked node, made in kPrivateNodes and bound over `path`; then unlinked there (the bind
// keeps it).
void bind_private_node(const std::string& path, mode_t type, dev_t number, mode_t mode, uid_t uid, gid_t gid) {
  if (::mkdir(kPrivateNodes, 0700) != 0 && errno != EEXIST) throw_errno(std::string("mkdir ") + kPrivateNodes);
  static unsigned made = 0;
  const std::string node = std::string(kPrivateNodes) + "/" + std::to_string(::getpid()) + "-" + std::to_string(made++);
  if (::mknod(node.c_str(), type | mode, number) != 0) throw_errno("mknod " + node + " (for " + path + ")");
  const bool ok = ::chmod(node.c_str(), mode) == 0 && ::chown(node.c_str(), uid, gid) == 0 &&
                  ::mount(node.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) == 0;
  const int err = errno;
  ::unlink(node.c_str());
  if (!ok) {
    errno = err;
    throw_errno("binding a node over " + path);
  }
}

// mknod, or where the container's /dev does not allow it (a read-only root without a /dev
// mount), the same node bound over what is there: an empty placeholder, or the node the shim
// made on the host (root_devices.h), which cannot be opened on the nodev share. A fifo there
// is kept: nodev does not stop a fifo.
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
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    // A link would take the bind elsewhere (the image's choice, not ours to follow).
    if (S_ISLNK(st.st_mode) || S_ISDIR(st.st_mode)) {
      throw Error("mknod " + path + ": " + std::strerror(mknod_errno) + ", and a link or directory is in its place");
    }
    if (type == S_IFIFO && S_ISFIFO(st.st_mode)) return;
  } else if (!open_or_create(path, O_WRONLY | O_CLOEXEC, 0644).valid()) {
    errno = mknod_errno;
    throw_errno("mknod " + path);
  }
  with_context("mknod " + path + ": " + std::strerror(mknod_errno),
               [&] { bind_private_node(path, type, makedev(major, minor), mode, uid, gid); });
}

void make_symlink(const char* target, const std::string& link) {
  if (::symlink(target, link.c_str()) != 0 && errno != EEXIST) throw_errno("symlink " + link);
}

}  // namespace

void create_default_devices(const std::string& root, const std::vector<oci::Device>& extra) {
  const std::string dev = root + "/dev";
  struct stat dev_st {};
  if (::lstat(dev.c_str(), &dev_st) == 0 && S_ISLNK(dev_st.st_mode)) {
    throw Error("the container's /dev is a symbolic link: not followed (give the container a /dev mount)");
  }
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
