#pragma once
// How big a container's VM is. RAM: the container's memory limit plus an overhead for the
// guest kernel and the agent plus the initramfs (the root filesystem lives in guest RAM),
// at least 128 MiB, rounded up to 16 MiB. vCPUs: the CPU quota (quota/period, rounded up)
// or the cpuset's size, whichever is smaller, between 1 and 16. Annotations override, each
// only when the host settings allow it (others are ignored with a warning), never beyond the
// container's own limits. A pod's sandbox container (CRI's or CRI-O's container-type
// "sandbox" annotation; podman's infra container, which runs "/catatonit -P") stands for the
// pod: CRI's io.kubernetes.cri.sandbox-memory and
// -cpu-quota/-cpu-period (when allowed) are its limits, the settings' pod_memory_mib and
// pod_vcpus its defaults. Annotations:
//   io.ppc-kvm.memory  "512M", "1G" or bytes: the guest's RAM as given (at least 64 MiB; at
//                      most the container's memory limit plus memory_overhead_mib)
//   io.ppc-kvm.vcpus   1..16 (at most what the container's CPU limits give)
//   io.ppc-kvm.vm-type auto, hv or pr
//   io.ppc-kvm.kernel  the guest kernel's path on the host, below an allowed_kernel_dirs entry
#include <cstdint>
#include <string>
#include <string_view>

#include "oci/config.h"
#include "vm/annotations.h"
#include "vm/shim_config.h"

namespace ppc::shim {

inline constexpr uint64_t kMinGuestMiB = 128;
inline constexpr uint64_t kGuestAlignMiB = 16;
inline constexpr uint64_t kMinAnnotatedMiB = 64;
inline constexpr unsigned kMaxVcpus = 16;


struct VmSize {
  uint64_t memory_mib = 0;
  unsigned vcpus = 1;
  std::string vm_type = "auto";
  std::string kernel;
  friend bool operator==(const VmSize&, const VmSize&) = default;
};

// Throws Error naming the annotation or resource field at fault.
VmSize size_vm(const oci::Config& config, const ShimConfig& defaults, uint64_t initramfs_bytes);

// "512M", "1G", "65536K", "1048576": bytes (K, M, G: powers of 1024). Throws Error.
uint64_t parse_memory_size(std::string_view text);

// Number of CPUs in a cpuset list such as "0-3,7". Throws Error.
unsigned count_cpus(std::string_view cpuset);

}  // namespace ppc::shim
