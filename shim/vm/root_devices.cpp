#include "vm/root_devices.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"
#include "oci/default_devices.h"
#include "vm/dirs_below.h"

namespace ppc::shim {
namespace {

// The directory `path` names below `root`, made where missing (dirs_below.h). A link, a file
// or ".." on the way is refused: the agent would follow it in the guest.
UniqueFd open_dir_in(const UniqueFd& root, const std::string& path) {
  DirBelow dir = make_dirs_below(root, path_components(path));
  if (!dir.fd.valid()) throw Error(dir.stopped + ": " + dir.why + ": not followed");
  return std::move(dir.fd);
}

// The node at the container path `path` (absolute, below /dev), as runc makes it. One already
// there is kept.
void make_node(const UniqueFd& root, const std::string& path, mode_t type, dev_t number, mode_t mode, uid_t uid,
               gid_t gid) {
  const std::filesystem::path p(path);
  const UniqueFd dir = open_dir_in(root, p.parent_path().string());
  const std::string name = p.filename().string();
  if (::mknodat(dir.get(), name.c_str(), type | mode, number) != 0) {
    if (errno == EEXIST) return;
    throw_errno("mknod " + path);
  }
  // mknod's mode passes through the umask; runc sets the asked one afterwards, as here.
  if (::fchmodat(dir.get(), name.c_str(), mode, AT_SYMLINK_NOFOLLOW) != 0) throw_errno("chmod " + path);
  if (::fchownat(dir.get(), name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0) throw_errno("chown " + path);
}

// runc's /dev links; a ptmx node of the image gives way to its link, as runc replaces it (the
// guest cannot remove it from the read-only root, and a host node there opens nothing).
void make_links(const UniqueFd& root) {
  UniqueFd dev = open_dir_in(root, "dev");
  for (const oci::DevSymlink& link : oci::kDevSymlinks) {
    struct stat st {};
    if (std::string(link.name) == "ptmx" && ::fstatat(dev.get(), link.name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        !S_ISLNK(st.st_mode) && ::unlinkat(dev.get(), link.name, 0) != 0) {
      throw_errno("remove the image's /dev/ptmx");
    }
    if (::symlinkat(link.target, dev.get(), link.name) != 0 && errno != EEXIST) {
      throw_errno(std::string("symlink /dev/") + link.name);
    }
  }
}

mode_t device_type(const oci::Device& d, size_t index) {
  if (const mode_t type = oci::device_file_type(d.type)) return type;
  throw Error("linux.devices[" + std::to_string(index) + "] (" + d.path + "): unknown type \"" + d.type + "\"");
}

}  // namespace

void make_read_only_root_devices(const oci::Config& config, const SharePlan& share) {
  if (!config.root.readonly) return;
  for (const oci::Mount& m : config.mounts) {
    if (std::filesystem::path(m.destination).lexically_normal() == "/dev" ||
        std::filesystem::path(m.destination).lexically_normal() == "/dev/") {
      return;
    }
  }
  const std::string& rootfs = share.root.host_source;
  UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) throw_errno("root.path " + rootfs);
  std::vector<mode_t> types;  // every type checked before anything is made
  for (size_t i = 0; i < config.linux.devices.size(); ++i) types.push_back(device_type(config.linux.devices[i], i));
  with_context("/dev in the read-only root " + rootfs, [&] {
    for (const oci::DefaultDevice& d : oci::kDefaultDevices) {
      make_node(root, std::string("/dev/") + d.name, S_IFCHR, makedev(d.major, d.minor), oci::kDefaultDeviceMode, 0, 0);
    }
    for (size_t i = 0; i < config.linux.devices.size(); ++i) {
      const oci::Device& d = config.linux.devices[i];
      with_context("linux.devices[" + std::to_string(i) + "] (" + d.path + ")", [&] {
        make_node(root, d.path, types[i], makedev(static_cast<unsigned>(d.major), static_cast<unsigned>(d.minor)),
                  d.file_mode.value_or(0666) & 07777, d.uid.value_or(0), d.gid.value_or(0));
      });
    }
    make_links(root);
  });
}

}  // namespace ppc::shim
