#pragma once
// KVM for POWER on this host: /dev/kvm, which flavours (HV, PR) make VMs, how many vCPUs a VM
// may have, and the in-kernel XICS the VMM's interrupts go through.
//
// probe_kvm_device looks only at the file system under `roots`, so tests run it on a scratch
// tree. The others ask KVM itself (KVM_CREATE_VM, KVM_CHECK_EXTENSION on <dev>/kvm), which
// only a POWER host with KVM answers: they are exercised on such a host (the e2e L1), never
// by the unit tests, which on the build machine see only their "not a POWER host" answers.
#include <string>

#include "host_check/check_result.h"

namespace ppc::shim {

CheckResult probe_kvm_device(const HostRoots& roots);
// vm_type: the host settings' "auto", "hv" or "pr"; the one asked for must be available.
CheckResult probe_kvm_flavour(const HostRoots& roots, const std::string& vm_type);
// A VM of default_vcpus (the host settings') must be allowed.
CheckResult probe_kvm_vcpus(const HostRoots& roots, unsigned default_vcpus);
CheckResult probe_kvm_xics(const HostRoots& roots);

}  // namespace ppc::shim
