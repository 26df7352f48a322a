#include "vm/container_cgroup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <linux/magic.h>

#include "base/error.h"
#include "base/unique_fd.h"
#include "log/logger.h"

namespace ppc::shim {
namespace {

bool is_cgroup2(const std::string& dir) {
  struct statfs fs {};
  return ::statfs(dir.c_str(), &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

// This process's cgroup v2 path ("0::/path" in /proc/self/cgroup).
std::string own_cgroup() {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("0::", 0) == 0) return line.substr(3);
  }
  return "/";
}

// Writes `value` to dir/file; false (errno set) on failure.
bool write_control(const std::string& dir, const char* file, const std::string& value) {
  UniqueFd fd(::open((dir + "/" + file).c_str(), O_WRONLY | O_CLOEXEC));
  return fd.valid() && ::write(fd.get(), value.data(), value.size()) == static_cast<ssize_t>(value.size());
}

// A limit the VM must have: create fails without it (the controller not handed down, or the
// kernel refusing the value).
void set_limit(const std::string& dir, const char* file, const std::string& value) {
  if (!write_control(dir, file, value)) throw_errno("cgroup " + dir + ": setting " + file + " to " + value);
}

}  // namespace

std::optional<std::string> container_cgroup_dir(const oci::Config& config, const std::string& root) {
  const std::string& path = config.linux.cgroups_path;
  if (path.empty()) return std::nullopt;
  if (path.find(':') != std::string::npos) {
    logger().debug("linux.cgroupsPath " + path + " is systemd's slice:prefix:name: the VMM stays in the caller's cgroup");
    return std::nullopt;
  }
  if (!is_cgroup2(root)) {
    logger().debug(root + " is not a cgroup v2 mount: the VMM stays in the caller's cgroup");
    return std::nullopt;
  }
  return cgroup_dir_for(root, path, own_cgroup());
}

std::string cgroup_dir_for(const std::string& root, const std::string& cgroups_path, const std::string& own_cgroup) {
  const std::string inner = cgroups_path.front() == '/' ? cgroups_path : own_cgroup + "/" + cgroups_path;
  // No way out of the hierarchy: "." parts go, ".." is refused.
  std::string clean;
  size_t start = 0;
  while (start <= inner.size()) {
    const size_t end = std::min(inner.find('/', start), inner.size());
    const std::string part = inner.substr(start, end - start);
    if (part == "..") throw Error("linux.cgroupsPath " + cgroups_path + ": \"..\" is not allowed");
    if (!part.empty() && part != ".") clean += "/" + part;
    start = end + 1;
  }
  if (clean.empty()) throw Error("linux.cgroupsPath " + cgroups_path + ": names the root cgroup");
  return root + clean;
}

void create_container_cgroup(const std::string& dir, const oci::Config& config, uint64_t vm_memory_mib, unsigned vcpus,
                             const std::string& root) {
  // Each level below the root: made if missing, and the controllers handed down to it.
  for (size_t slash = dir.find('/', root.size() + 1);; slash = dir.find('/', slash + 1)) {
    const std::string level = slash == std::string::npos ? dir : dir.substr(0, slash);
    const std::string parent = level.substr(0, level.rfind('/'));
    write_control(parent, "cgroup.subtree_control", "+memory");
    write_control(parent, "cgroup.subtree_control", "+cpu");
    write_control(parent, "cgroup.subtree_control", "+pids");
    if (::mkdir(level.c_str(), 0755) != 0 && errno != EEXIST) throw_errno("linux.cgroupsPath: mkdir " + level);
    if (slash == std::string::npos) break;
  }
  // The VMM's tasks are its vCPUs and a few of its own, whatever the container asked for; its
  // memory the VM's RAM and its own headroom, with a container limit or without one.
  set_limit(dir, "pids.max", std::to_string(vmm_tasks_max(vcpus)));
  set_limit(dir, "memory.max", std::to_string((vm_memory_mib + kVmmHeadroomMib) << 20));
  const oci::Resources& r = config.linux.resources;
  if (r.cpu.quota && *r.cpu.quota > 0) {
    const std::string value = std::to_string(*r.cpu.quota) + " " + std::to_string(r.cpu.period.value_or(100000));
    if (!write_control(dir, "cpu.max", value)) {
      logger().warning("cgroup " + dir + ": cpu.max " + value + ": " + std::strerror(errno));
    }
  }
}

std::string virtiofsd_cgroup_dir(const std::string& container_dir) { return container_dir + ".virtiofsd"; }

void create_virtiofsd_cgroup(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) throw_errno("virtiofsd's cgroup: mkdir " + dir);
  set_limit(dir, "pids.max", std::to_string(kVirtiofsdTasksMax));
}

void remove_container_cgroup(const std::string& dir) {
  // The jail's inner process may take a moment to die after the outer one was reaped.
  for (int attempt = 0; attempt < 20 && ::rmdir(dir.c_str()) != 0 && errno == EBUSY; ++attempt) ::usleep(50 * 1000);
  if (::access(dir.c_str(), F_OK) == 0 && ::rmdir(dir.c_str()) != 0 && errno != ENOENT) {
    logger().warning("cgroup " + dir + " not removed: " + std::strerror(errno));
  }
}

}  // namespace ppc::shim
