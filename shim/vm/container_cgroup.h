#pragma once
// The host cgroup (v2) a container's VMM runs in: linux.cgroupsPath, where runc puts a
// container's processes. The engine then finds the container's cgroup where it expects it,
// and the whole VM (guest RAM, vCPU threads, device threads) is accounted and limited there:
// memory.max is the VM's RAM plus the VMM's own headroom (a guest can touch all of its RAM
// however small its container's limit) when the container has a memory limit, pids.max the
// VMM's tasks (its vCPUs and a few of its own, virtiofsd's) always; cpu.max the container's quota.
#include <cstdint>
#include <optional>
#include <string>

#include "oci/config.h"

namespace ppc::shim {

inline constexpr const char* kCgroupRoot = "/sys/fs/cgroup";
// What the VMM process itself may use beyond the guest's RAM.
inline constexpr uint64_t kVmmHeadroomMib = 64;
// How many tasks the VM's host side may have: one thread per vCPU plus the VMM's others (main,
// device, control, the jail's outer process), virtiofsd's (one pool thread) and room to spare.
inline constexpr unsigned vmm_tasks_max(unsigned vcpus) { return vcpus + 48; }

// The cgroup directory for `config`, or none: no cgroupsPath, a systemd-style one
// ("slice:prefix:name", which only systemd may create), or no cgroup v2 at `root`. A relative
// path is taken below this process's own cgroup, as runc does.
std::optional<std::string> container_cgroup_dir(const oci::Config& config, const std::string& root = kCgroupRoot);

// The directory for a (non-systemd) cgroups path: `root` + the path, a relative one below
// `own_cgroup`; "." parts dropped. Throws Error for ".." or the root itself.
std::string cgroup_dir_for(const std::string& root, const std::string& cgroups_path, const std::string& own_cgroup);

// Creates `dir` (and missing parents), hands the memory, cpu and pids controllers down to it
// where the parents allow, and sets pids.max (vmm_tasks_max) and, with a container memory
// limit, memory.max (vm_memory_mib plus headroom): Error naming the file when either cannot be set. cpu.max (when the
// container has a quota) only warns when refused: the VM's vCPUs bound it already.
void create_container_cgroup(const std::string& dir, const oci::Config& config, uint64_t vm_memory_mib, unsigned vcpus,
                             const std::string& root = kCgroupRoot);

// Removes `dir` once the VMM has left it; a failure only warns.
void remove_container_cgroup(const std::string& dir);

}  // namespace ppc::shim
