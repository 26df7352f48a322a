#pragma once
// Every check of `ppc-kvm-shim check`, in the order its report lists them: KVM, then the host
// settings and the files they name, then what the host's kernel gives the VMM and the
// container.
#include <vector>

#include "host_check/check_result.h"
#include "vm/shim_config.h"

namespace ppc::shim {

struct CheckSettings {
  ShimConfig config;
  CheckResult result;  // "settings": the file read, absent, or refused
};

// load_shim_config(). A file it refuses is a failed check, and the other checks then look at
// the defaults (the programs resolved as load_shim_config would).
CheckSettings load_settings_for_check();

// /dev/kvm, the flavours, the MMU, the vCPU limit and XICS (kvm_probes.h, kernel_probes.h).
std::vector<CheckResult> kvm_checks(const HostRoots& roots, const ShimConfig& config);

// The settings, the files they name, seccomp, namespaces, cgroup v2 and TUN: none asks KVM.
std::vector<CheckResult> host_file_checks(const HostRoots& roots, const CheckSettings& settings);

// kvm_checks, then host_file_checks.
std::vector<CheckResult> run_host_checks(const HostRoots& roots, const CheckSettings& settings);

}  // namespace ppc::shim
