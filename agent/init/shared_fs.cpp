#include "init/shared_fs.h"

#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>
#include <mutex>

#include "base/error.h"
#include "protocol/shared_fs.h"

namespace ppc::agent {

void mount_shared_fs(const std::string& tag) {
  static std::mutex mutex;
  static std::string mounted;  // the tag mounted, once
  const std::lock_guard lock(mutex);
  if (!mounted.empty()) {
    if (mounted != tag) throw Error("shared file system \"" + tag + "\": \"" + mounted + "\" is mounted already");
    return;
  }
  const std::string target(protocol::kSharedFsGuestPath);
  if (::mkdir(target.c_str(), 0755) != 0 && errno != EEXIST) throw_errno("mkdir " + target);
  // The host's binds decide read-only. Setuid programs of the image work (su, ping), as on
  // crun's root; device nodes on it do not: the guest enforces no device cgroup, so a node
  // made on the share could reach the guest's own devices (a container's /dev is its tmpfs).
  if (::mount(tag.c_str(), target.c_str(), "virtiofs", MS_NODEV, nullptr) != 0)
    throw_errno("mount virtiofs " + tag + " on " + target);
  mounted = tag;
}

bool in_shared_fs(const std::string& path) {
  const std::string prefix = std::string(protocol::kSharedFsGuestPath) + "/";
  return path.compare(0, prefix.size(), prefix) == 0 && path.find("/../") == std::string::npos;
}

}  // namespace ppc::agent
