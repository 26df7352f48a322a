#include "host_check/host_checks.h"

#include "base/error.h"
#include "host_check/kernel_probes.h"
#include "host_check/kvm_probes.h"
#include "host_check/probe_files.h"
#include "host_check/program_probes.h"

namespace ppc::shim {

CheckSettings load_settings_for_check() {
  const std::string path = shim_config_path();
  CheckSettings s{ShimConfig{}, {"settings", true, true, "", ""}};
  try {
    s.config = load_shim_config();
    s.result.detail = path + (path_exists(path) ? " read" : " absent: the defaults apply");
  } catch (const Error& e) {
    s.result.ok = false;
    s.result.detail = e.what();
    s.result.fix = "correct " + path + " (every key is described in /etc/ppc-kvm-shim/config.json.example); "
                   "the checks below use the defaults";
    resolve_programs(s.config);
  }
  return s;
}

std::vector<CheckResult> kvm_checks(const HostRoots& roots, const ShimConfig& config) {
  return {probe_kvm_device(roots), probe_kvm_flavour(roots, config.vm_type), probe_mmu(roots),
          probe_kvm_vcpus(roots, config.default_vcpus), probe_kvm_xics(roots)};
}

std::vector<CheckResult> host_file_checks(const HostRoots& roots, const CheckSettings& settings) {
  const ShimConfig& c = settings.config;
  return {settings.result,         probe_guest_kernel(c.kernel), probe_vmm(c.vmm),          probe_agent(c.agent),
          probe_virtiofsd(c.virtiofsd), probe_seccomp(roots),    probe_namespaces(roots), probe_cgroup_v2(roots),
          probe_tun(roots),        probe_vhost_net(roots, c.vhost_net)};
}

std::vector<CheckResult> run_host_checks(const HostRoots& roots, const CheckSettings& settings) {
  std::vector<CheckResult> all = kvm_checks(roots, settings.config);
  for (CheckResult& r : host_file_checks(roots, settings)) all.push_back(std::move(r));
  return all;
}

}  // namespace ppc::shim
