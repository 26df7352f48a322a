#pragma once
// The annotations that change a container's VM (vm_sizing.h), each honoured only when the
// host settings allow it (shim_config.h "allowed_annotations"): a container's author must not
// size or pick a VM beyond what the host's administrator lets them.
#include <array>
#include <string_view>

namespace ppc::shim {

inline constexpr const char* kAnnotationMemory = "io.ppc-kvm.memory";
inline constexpr const char* kAnnotationVcpus = "io.ppc-kvm.vcpus";
inline constexpr const char* kAnnotationVmType = "io.ppc-kvm.vm-type";
inline constexpr const char* kAnnotationKernel = "io.ppc-kvm.kernel";
// What containerd's CRI puts on a pod's sandbox container from the pod's resources (kubelet
// 1.23 on: the sum of its containers' limits); they size the pod's VM. "0" or a negative
// value: the pod sets no limit.
inline constexpr const char* kAnnotationCriSandboxMemory = "io.kubernetes.cri.sandbox-memory";
inline constexpr const char* kAnnotationCriSandboxCpuQuota = "io.kubernetes.cri.sandbox-cpu-quota";
inline constexpr const char* kAnnotationCriSandboxCpuPeriod = "io.kubernetes.cri.sandbox-cpu-period";
inline constexpr std::array<std::string_view, 7> kVmAnnotations = {
    kAnnotationMemory,           kAnnotationVcpus,
    kAnnotationVmType,           kAnnotationKernel,
    kAnnotationCriSandboxMemory, kAnnotationCriSandboxCpuQuota,
    kAnnotationCriSandboxCpuPeriod};

// How a pod's sandbox container is marked (not sizing: only which defaults apply): CRI's
// (containerd) and CRI-O's ("sandbox"; podman 4 marks only its pods' other containers,
// "container").
inline constexpr const char* kAnnotationCriContainerType = "io.kubernetes.cri.container-type";
inline constexpr const char* kAnnotationCrioContainerType = "io.kubernetes.cri-o.ContainerType";

}  // namespace ppc::shim
