#pragma once
// The files the host settings name (vm/shim_config.h): the guest kernel and the agent the
// shim reads (both must be ppc64le ELF files: the guest runs them), the VMM and virtiofsd it
// starts (executable).
#include <string>

#include "host_check/check_result.h"

namespace ppc::shim {

CheckResult probe_guest_kernel(const std::string& path);
CheckResult probe_vmm(const std::string& path);
CheckResult probe_agent(const std::string& path);
CheckResult probe_virtiofsd(const std::string& path);

}  // namespace ppc::shim
