#include "host_check/kernel_probes.h"

#include <algorithm>
#include <sstream>
#include <vector>

#include "host_check/probe_files.h"

namespace ppc::shim {
namespace {

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

// KVM-PR cannot load on a radix host (it needs the hash MMU to give each guest its own
// translations); KVM-HV runs guests in the host's mode.
std::string mmu_meaning(const std::string& mmu) {
  if (mmu == "Radix") return "radix: KVM-HV runs radix guests; KVM-PR cannot load on a radix host";
  if (mmu == "Hash") return "hash: KVM-HV (on a hypervisor-mode host) and KVM-PR run hash guests";
  return "\"" + mmu + "\"";
}

}  // namespace

CheckResult probe_mmu(const HostRoots& roots) {
  CheckResult r{"mmu", false, false, "", ""};
  const std::string path = roots.proc + "/cpuinfo";
  const auto cpuinfo = read_small_file(path);
  const auto mmu = cpuinfo ? key_value(*cpuinfo, "MMU") : std::nullopt;
  if (!mmu) {
    r.detail = cpuinfo ? "no MMU line in " + path + ": not a POWER host" : "cannot read " + path;
    r.fix = "run ppc-kvm-shim on a ppc64le POWER host";
    return r;
  }
  r.ok = true;
  r.detail = mmu_meaning(*mmu);
  return r;
}

CheckResult probe_seccomp(const HostRoots& roots) {
  CheckResult r{"seccomp", false, true, "", ""};
  const std::string path = roots.proc + "/self/status";
  const auto status = read_small_file(path);
  const auto mode = status ? key_value(*status, "Seccomp") : std::nullopt;
  if (!mode) {
    r.detail = status ? "no Seccomp line in " + path + ": this kernel has no seccomp" : "cannot read " + path;
    r.fix = "use a kernel with CONFIG_SECCOMP and CONFIG_SECCOMP_FILTER (Debian's have both); the VMM confines every thread with seccomp filters";
    return r;
  }
  r.ok = true;
  // Seccomp_filters (Linux 5.9 and later) appears only with CONFIG_SECCOMP_FILTER.
  const bool filters = key_value(*status, "Seccomp_filters").has_value();
  r.detail = std::string("available") + (filters ? ", with filters" : "") + " (this process: mode " + *mode + ")";
  return r;
}

CheckResult probe_namespaces(const HostRoots& roots) {
  CheckResult r{"namespaces", false, true, "", ""};
  std::vector<std::string> missing;
  for (const char* ns : {"mnt", "pid", "net", "ipc", "uts"}) {
    if (!path_exists(roots.proc + "/self/ns/" + ns)) missing.push_back(ns);
  }
  r.ok = missing.empty();
  if (r.ok) {
    r.detail = "mnt, pid, net, ipc and uts namespaces available";
    return r;
  }
  r.detail = "missing from " + roots.proc + "/self/ns: " + joined(missing);
  r.fix = "use a kernel with CONFIG_NAMESPACES, CONFIG_PID_NS, CONFIG_NET_NS, CONFIG_IPC_NS and CONFIG_UTS_NS (Debian's have them); the VMM's jail needs all five";
  return r;
}

CheckResult probe_cgroup_v2(const HostRoots& roots) {
  CheckResult r{"cgroup-v2", false, true, "", ""};
  const std::string dir = roots.sys + "/fs/cgroup";
  // cgroup.controllers exists only at the root of a cgroup v2 hierarchy.
  const auto controllers = read_small_file(dir + "/cgroup.controllers");
  if (!controllers) {
    r.detail = "no cgroup v2 hierarchy at " + dir + " (no cgroup.controllers)";
    r.fix = "mount cgroup v2 at /sys/fs/cgroup: systemd does by default (Debian 11 and later); "
            "remove systemd.unified_cgroup_hierarchy=0 from the kernel command line";
    return r;
  }
  std::vector<std::string> have;
  std::istringstream words(*controllers);
  for (std::string w; words >> w;) have.push_back(w);
  std::vector<std::string> missing;
  for (const char* needed : {"memory", "pids", "cpu"}) {
    if (std::find(have.begin(), have.end(), needed) == have.end()) missing.push_back(needed);
  }
  r.ok = missing.empty();
  r.detail = "cgroup v2 at " + dir + ", controllers: " + joined(have);
  if (!r.ok) {
    r.detail += "; missing: " + joined(missing);
    r.fix = "use a kernel with CONFIG_MEMCG, CONFIG_CGROUP_PIDS and CONFIG_CGROUP_SCHED, and leave no controller "
            "to a cgroup v1 hierarchy (cgroup_no_v1=all); the shim sets memory.max, pids.max and cpu.max";
  }
  return r;
}

CheckResult probe_tun(const HostRoots& roots) {
  CheckResult r{"tun", false, true, "", ""};
  const std::string path = roots.dev + "/net/tun";
  r.ok = is_character_device(path);
  if (r.ok) {
    r.detail = path + " present (the container's taps)";
    return r;
  }
  r.detail = path + (path_exists(path) ? " is not a character device" : " missing");
  r.fix = "modprobe tun (systemd hosts have /dev/net/tun from boot); the shim gives every container's VM a tap";
  return r;
}

CheckResult probe_vhost_net(const HostRoots& roots, bool used) {
  CheckResult r{"vhost-net", false, used, "", ""};
  const std::string path = roots.dev + "/vhost-net";
  const bool present = is_character_device(path);
  const std::string setting = used ? " (the settings' vhost_net is true)" : " (not used: the settings' vhost_net is false)";
  r.ok = present || !used;
  r.detail = path + (present ? " present" : path_exists(path) ? " is not a character device" : " missing") + setting;
  if (!r.ok) r.fix = "modprobe vhost_net, or set vhost_net to false (the VMM then moves the frames itself)";
  return r;
}

}  // namespace ppc::shim
