#pragma once
// The host's settings for every container: /etc/ppc-kvm-shim/config.json (or the file
// named by PPC_KVM_SHIM_CONFIG). Every key is optional:
//   {"kernel": "/usr/share/ppc-kvm-shim/guest-vmlinux",
//    "vmm": "/usr/libexec/ppc-kvm-shim/ppc-kvm-vmm",      (default: there, else beside the shim)
//    "agent": "/usr/libexec/ppc-kvm-shim/ppc-kvm-agent",  (same; PPC_KVM_SHIM_AGENT wins)
//    "default_memory_mib": 256,   container memory when linux.resources.memory has no limit
//    "memory_overhead_mib": 64,   added for the guest kernel and the agent
//    "default_vcpus": 1,          when linux.resources.cpu sets nothing
//    "pod_memory_mib": 512,       a pod's sandbox (its VM holds the pod's containers), when
//                                 neither CRI's pod annotations nor the sandbox set a limit
//    "pod_vcpus": 1,              the same for vCPUs
//    "vm_type": "auto",           auto, hv or pr (the VMM's --vm-type)
//    "kernel_cmdline": "...",     the VMM's --cmdline (default "console=hvc0 panic=-1 quiet":
//                                 without quiet, the boot log costs ~0.8 s a start, since the
//                                 kernel's early console makes one hypercall per character)
//    "vmm_args": ["--stats"],     appended to the VMM's command line
//    "virtiofsd": "/usr/lib/qemu/virtiofsd",  the daemon that serves the VM's share
//                                 (Debian 12's qemu-system-common ships it there)
//    "vhost_net": false,          the host kernel's vhost-net moves the guests' network frames
//                                 (faster; the guests' rings are then parsed by host kernel
//                                 code, outside the VMM's confinement)
//    "allowed_annotations": [],   which VM annotations (vm_sizing.h) a container may use:
//                                 "io.ppc-kvm.memory", ".vcpus", ".vm-type", ".kernel",
//                                 CRI's "io.kubernetes.cri.sandbox-memory", "-cpu-quota",
//                                 "-cpu-period"; none by default (others are ignored with a
//                                 warning)
//    "allowed_kernel_dirs": [],   where an annotated kernel may lie
//    "boot_timeout_seconds": 300, how long create waits for the guest's agent
//    "templates": 8,              how many guest templates are kept (guest_template.h): a
//                                 container's VM is restored from the one of its shape, made
//                                 by the first create of that shape; 0: every VM boots cold
//    "template_dir": "/var/lib/ppc-kvm-shim/templates",  where they are kept (root's, 0700)
//    "fault_points": false}       tests only: PPC_KVM_SHIM_STOP_AT may stop the shim
//                                 (commands/fault_points.h)
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ppc::shim {

inline constexpr const char* kDefaultShimConfig = "/etc/ppc-kvm-shim/config.json";
inline constexpr const char* kDefaultKernel = "/usr/share/ppc-kvm-shim/guest-vmlinux";
inline constexpr const char* kDefaultVmm = "/usr/libexec/ppc-kvm-shim/ppc-kvm-vmm";
inline constexpr const char* kDefaultAgent = "/usr/libexec/ppc-kvm-shim/ppc-kvm-agent";
inline constexpr const char* kDefaultVirtiofsd = "/usr/lib/qemu/virtiofsd";
inline constexpr const char* kDefaultTemplateDir = "/var/lib/ppc-kvm-shim/templates";

struct ShimConfig {
  std::string kernel = kDefaultKernel;
  std::string vmm;    // empty until resolved
  std::string agent;  // empty until resolved
  uint64_t default_memory_mib = 256;
  uint64_t memory_overhead_mib = 64;
  unsigned default_vcpus = 1;
  uint64_t pod_memory_mib = 512;
  unsigned pod_vcpus = 1;
  std::string vm_type = "auto";
  std::string kernel_cmdline = "console=hvc0 panic=-1 quiet";
  std::vector<std::string> vmm_args;
  std::string virtiofsd = kDefaultVirtiofsd;
  bool vhost_net = false;
  std::vector<std::string> allowed_annotations;
  std::vector<std::string> allowed_kernel_dirs;
  unsigned boot_timeout_seconds = 300;
  unsigned templates = 8;
  std::string template_dir = kDefaultTemplateDir;
  bool fault_points = false;
};

// Throws Error naming `source` and the key (unknown keys too: a typo must not pass silently).
ShimConfig parse_shim_config(const nlohmann::json& j, const std::string& source);

// The settings file: PPC_KVM_SHIM_CONFIG, else kDefaultShimConfig.
std::string shim_config_path();

// Reads the file (shim_config_path(); a missing default file means all defaults) and
// resolves the VMM and agent paths. Throws Error.
ShimConfig load_shim_config();

// The VMM's and the agent's paths as load_shim_config settles them: PPC_KVM_SHIM_AGENT wins
// for the agent, then resolve_program.
void resolve_programs(ShimConfig& config);

// `configured` if set; else `fallback` if it exists; else `name` beside this executable if
// that exists; else `fallback` (whose absence the VMM's start then reports).
std::string resolve_program(const std::string& configured, const std::string& fallback, const std::string& name);

}  // namespace ppc::shim
