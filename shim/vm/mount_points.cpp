#include "vm/mount_points.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"
#include "log/logger.h"
#include "vm/dirs_below.h"

namespace ppc::shim {
namespace {

bool below(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/';
}

// Makes `destination` below the directory `root` (one component at a time, no link followed).
void make_point(const UniqueFd& root, const std::string& destination, bool file) {
  const std::vector<std::string> parts = path_components(destination);
  if (parts.empty()) return;
  const DirBelow parent = make_dirs_below(root, {parts.begin(), parts.end() - 1});
  if (!parent.fd.valid()) {
    logger().debug("mount point " + destination + ": " + parent.stopped + " is " + parent.why + ": left to the agent");
    return;
  }
  const UniqueFd& dir = parent.fd;
  const std::string& last = parts.back();
  if (last == "..") return;
  if (file) {
    UniqueFd made(::openat(dir.get(), last.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!made.valid() && errno != EEXIST) throw_errno("create " + destination);
  } else if (::mkdirat(dir.get(), last.c_str(), 0755) != 0 && errno != EEXIST) {
    throw_errno("mkdir " + destination);
  }
}

}  // namespace

void make_read_only_root_mount_points(const oci::Config& config, const SharePlan& share) {
  if (!config.root.readonly) return;
  const std::string& rootfs = share.root.host_source;
  UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) throw_errno("root.path " + rootfs);
  for (size_t i = 0; i < config.mounts.size(); ++i) {
    const std::string& destination = config.mounts[i].destination;
    bool nested = false;
    for (size_t j = 0; j < i && !nested; ++j) nested = below(destination, config.mounts[j].destination);
    if (nested) continue;
    bool file = false;
    for (const auto& [index, bind] : share.mounts) file = file || (index == i && !bind.directory);
    with_context("mounts[" + std::to_string(i) + "] (" + destination + "): its mount point in the read-only root " + rootfs,
                 [&] { make_point(root, destination, file); });
  }
  // A missing process.cwd is made too, as crun and runc make it (in the root, before it turns
  // read-only); below a mount it is the guest's to make, in that mount.
  const std::string cwd = config.process ? config.process->cwd : "";
  for (const oci::Mount& m : config.mounts) {
    if (below(cwd, m.destination) || cwd == m.destination) return;
  }
  with_context("process.cwd " + cwd + " in the read-only root " + rootfs, [&] { make_point(root, cwd, false); });
}

}  // namespace ppc::shim
