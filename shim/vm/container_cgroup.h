#pragma once
// The host cgroup (v2) a container's VMM runs in: linux.cgroupsPath, where runc puts a
// container's processes. The engine then finds the container's cgroup where it expects it,
// and the whole VM (guest RAM, vCPU threads, device threads) is accounted and limited there:
// memory.max is the VM's RAM plus the VMM's own headroom (a guest can touch all of its RAM
// however small its container's limit), cpu.max the container's quota.
#include <cstdint>
#include <optional>
#include <string>

#include "oci/config.h"

namespace ppc::shim {

inline constexpr const char* kCgroupRoot = "/sys/fs/cgroup";
// What the VMM process itself may use beyond the guest's RAM.
inline constexpr uint64_t kVmmHeadroomMib = 64;

// The cgroup directory for `config`, or none: no cgroupsPath, a systemd-style one
// ("slice:prefix:name", which only systemd may create), or no cgroup v2 at `root`. A relative
// path is taken below this process's own cgroup, as runc does.
std::optional<std::string> container_cgroup_dir(const oci::Config& config, const std::string& root = kCgroupRoot);

// The directory for a (non-systemd) cgroups path: `root` + the path, a relative one below
// `own_cgroup`; "." parts dropped. Throws Error for ".." or the root itself.
std::string cgroup_dir_for(const std::string& root, const std::string& cgroups_path, const std::string& own_cgroup);

// Creates `dir` (and missing parents), hands the memory and cpu controllers down to it where
// the parents allow, and sets memory.max (vm_memory_mib plus headroom, when the container has
// a memory limit) and cpu.max (when it has a quota). Throws Error naming the file; a limit the
// kernel refuses only warns (runc's cgroupfs driver fails there; we still have the VM's size).
void create_container_cgroup(const std::string& dir, const oci::Config& config, uint64_t vm_memory_mib,
                             const std::string& root = kCgroupRoot);

// Removes `dir` once the VMM has left it; a failure only warns.
void remove_container_cgroup(const std::string& dir);

}  // namespace ppc::shim
