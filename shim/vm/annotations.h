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
inline constexpr std::array<std::string_view, 4> kVmAnnotations = {kAnnotationMemory, kAnnotationVcpus,
                                                                  kAnnotationVmType, kAnnotationKernel};

}  // namespace ppc::shim
