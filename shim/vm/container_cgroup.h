#pragma once
// The host cgroups (v2) of a container's VM. The VMM runs in linux.cgroupsPath, where runc puts
// a container's processes: the engine finds the container's cgroup where it expects it, and the
// whole VM (guest RAM, vCPU threads, device threads) is accounted and limited there. memory.max
// is always the VM's RAM plus the VMM's own headroom (a guest can touch all of its RAM however
// small its container's limit), pids.max the VMM's tasks, cpu.max the container's quota.
// virtiofsd runs beside it, in "<cgroupsPath>.virtiofsd" under the same parent (so under the
// pod's or the engine's limits): the page cache of what it writes for the guest is charged
// there, not against the VM's unreclaimable RAM (in one cgroup a 256 MiB write to a volume got
// the VMM OOM-killed), and its tasks are bounded on their own.
#include <cstdint>
#include <optional>
#include <string>

#include "oci/config.h"

namespace ppc::shim {

inline constexpr const char* kCgroupRoot = "/sys/fs/cgroup";
// What the VMM process itself may use beyond the guest's RAM.
inline constexpr uint64_t kVmmHeadroomMib = 64;
// How many tasks the VMM may have: one thread per vCPU plus its others (main, device, control,
// the jail's outer process) and room to spare.
inline constexpr unsigned vmm_tasks_max(unsigned vcpus) { return vcpus + 48; }
// virtiofsd's: its main thread, one per queue, its one pool thread (--thread-pool-size=1),
// GLib's, and room to spare.
inline constexpr unsigned kVirtiofsdTasksMax = 32;

// The cgroup directory for `config`, or none: no cgroupsPath, a systemd-style one
// ("slice:prefix:name", which only systemd may create), or no cgroup v2 at `root`. A relative
// path is taken below this process's own cgroup, as runc does.
std::optional<std::string> container_cgroup_dir(const oci::Config& config, const std::string& root = kCgroupRoot);

// The directory for a (non-systemd) cgroups path: `root` + the path, a relative one below
// `own_cgroup`; "." parts dropped. Throws Error for ".." or the root itself.
std::string cgroup_dir_for(const std::string& root, const std::string& cgroups_path, const std::string& own_cgroup);

// Creates `dir` (and missing parents), hands the memory, cpu and pids controllers down to it
// where the parents allow, and sets pids.max (vmm_tasks_max) and memory.max (vm_memory_mib plus
// headroom): Error naming the file when either cannot be set. cpu.max (when the container has a
// quota) only warns when refused: the VM's vCPUs bound it already.
void create_container_cgroup(const std::string& dir, const oci::Config& config, uint64_t vm_memory_mib, unsigned vcpus,
                             const std::string& root = kCgroupRoot);

// Where virtiofsd runs for the container whose cgroup is `container_dir`: its sibling.
std::string virtiofsd_cgroup_dir(const std::string& container_dir);

// Creates `dir` (its parent made and given the controllers by create_container_cgroup) with
// pids.max kVirtiofsdTasksMax: Error naming the file when it cannot be set. No memory.max: the
// guest RAM virtiofsd first touches (the guest's read buffers) is charged here and cannot be
// reclaimed, so a limit would stop the share; page cache is reclaimed under the parent's.
void create_virtiofsd_cgroup(const std::string& dir);

// Removes `dir` once its processes (the VMM, virtiofsd) have left it; a failure only warns.
void remove_container_cgroup(const std::string& dir);

}  // namespace ppc::shim
