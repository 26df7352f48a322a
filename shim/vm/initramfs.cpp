#include "vm/initramfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "base/error.h"
#include "base/unique_fd.h"
#include "log/logger.h"
#include "rootfs/initramfs.h"
#include "vm/file_identity.h"

namespace ppc::shim {
namespace {

constexpr std::string_view kPrefix = "agent-initramfs-";
constexpr std::string_view kSuffix = ".cpio";

// Initramfs files of agents that are no longer there (best effort: another create may be
// reading one this moment, and an open file outlives its name).
void remove_others(const std::string& state_root, const std::string& keep) {
  DIR* dir = ::opendir(state_root.c_str());
  if (!dir) return;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name.rfind(kPrefix, 0) == 0 && name != keep && name.find(kSuffix) != std::string::npos)
      ::unlink((state_root + "/" + name).c_str());
  }
  ::closedir(dir);
}

}  // namespace

std::string agent_initramfs(const std::string& agent, const std::string& state_root) {
  const std::string name = std::string(kPrefix) + file_identity(agent, "agent") + std::string(kSuffix);
  const std::string path = state_root + "/" + name;
  if (::access(path.c_str(), R_OK) == 0) return path;
  // Creates that start together build it once: the others wait, then find it.
  const std::string lock_path = state_root + "/agent-initramfs.lock";
  UniqueFd lock(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!lock.valid()) throw_errno("open " + lock_path);
  while (::flock(lock.get(), LOCK_EX) != 0) {
    if (errno != EINTR) throw_errno("flock " + lock_path);
  }
  if (::access(path.c_str(), R_OK) == 0) return path;
  rootfs::BuildSpec spec;
  spec.agent = agent;
  spec.mtime = 0;  // the same bytes for the same agent
  spec.warn = [](const std::string& m) { logger().warning("initramfs: " + m); };
  with_context("building the guest initramfs " + path, [&] { rootfs::build_initramfs(spec, path); });
  remove_others(state_root, name);
  return path;
}

}  // namespace ppc::shim
