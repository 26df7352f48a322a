#include "host_check/kvm_probes.h"

#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "base/unique_fd.h"
#include "host_check/probe_files.h"

namespace ppc::shim {
namespace {

#if defined(__powerpc64__)
constexpr bool kPowerHost = true;
#else
constexpr bool kPowerHost = false;
#endif

constexpr const char* kLoadKvmFix =
    "on a ppc64le POWER host: modprobe kvm_hv (POWER8 or later running bare metal, or a KVM guest with "
    "nested KVM-HV) or modprobe kvm_pr (a host with the hash MMU)";

UniqueFd open_kvm(const HostRoots& roots) { return UniqueFd(::open((roots.dev + "/kvm").c_str(), O_RDWR | O_CLOEXEC)); }

std::string host_machine() {
  struct utsname u {};
  return ::uname(&u) == 0 ? u.machine : "unknown";
}

CheckResult not_checked(std::string name, const std::string& why) {
  return {std::move(name), false, true, "not checked: " + why, "see the kvm-device and kvm-flavour checks"};
}

// Why a check that asks KVM cannot, or "" when it can.
std::string why_kvm_cannot_answer(const HostRoots& roots, const UniqueFd& kvm) {
  if (!kPowerHost) return "no KVM for POWER on this host (" + host_machine() + ")";
  if (!kvm.valid()) return roots.dev + "/kvm cannot be opened";
  return "";
}

struct Flavour {
  const char* name;
  unsigned long vm_type;
  const char* module;
};
constexpr Flavour kFlavours[] = {{"hv", KVM_VM_PPC_HV, "kvm_hv"}, {"pr", KVM_VM_PPC_PR, "kvm_pr"}};

// Makes a VM of the flavour's type and closes it again: "" when it is a PAPR (pSeries) VM,
// else why not. PAPR is asked too because another processor's KVM (a ppc64le binary under
// user-mode emulation on x86) may take the same type number for something else.
std::string try_flavour(int kvm, const Flavour& f, bool& radix) {
  const UniqueFd vm(::ioctl(kvm, KVM_CREATE_VM, f.vm_type));
  if (!vm.valid()) return "KVM_CREATE_VM type " + std::to_string(f.vm_type) + ": " + errno_text();
  if (::ioctl(vm.get(), KVM_CHECK_EXTENSION, KVM_CAP_PPC_PAPR) <= 0) return "its VMs are not PAPR (pSeries) VMs";
  radix = ::ioctl(vm.get(), KVM_CHECK_EXTENSION, KVM_CAP_PPC_MMU_RADIX) > 0;
  return "";
}

// "HV: yes, radix guests (kvm_hv loaded); PR: no: KVM_CREATE_VM type 2: ... (kvm_pr not loaded)"
std::string describe_flavours(const HostRoots& roots, int kvm, std::vector<std::string>& available) {
  std::string detail;
  for (const Flavour& f : kFlavours) {
    bool radix = false;
    const std::string problem = try_flavour(kvm, f, radix);
    const bool loaded = path_exists(roots.sys + "/module/" + f.module);
    if (problem.empty()) available.push_back(f.name);
    detail += std::string(detail.empty() ? "" : "; ") + (f.vm_type == KVM_VM_PPC_HV ? "HV: " : "PR: ") +
              (problem.empty() ? std::string("yes, ") + (radix ? "radix" : "hash") + " guests" : "no: " + problem) +
              " (" + f.module + (loaded ? " loaded)" : " not loaded)");
  }
  return detail;
}

}  // namespace

CheckResult probe_kvm_device(const HostRoots& roots) {
  CheckResult r{"kvm-device", false, true, "", ""};
  const std::string path = roots.dev + "/kvm";
  if (!is_character_device(path)) {
    r.detail = path + (path_exists(path) ? " is not a character device" : " missing: no KVM module is loaded");
    r.fix = kLoadKvmFix;
    return r;
  }
  const UniqueFd kvm = open_kvm(roots);
  if (!kvm.valid()) {
    const bool denied = errno == EACCES || errno == EPERM;
    r.detail = path + " present but cannot be opened read/write: " + errno_text();
    r.fix = denied ? "run the runtime as root (podman and containerd as root do), or give its user access: usermod -aG kvm USER"
                   : "see the kernel log (dmesg) for KVM's errors";
    return r;
  }
  r.ok = true;
  r.detail = path + " present, opened read/write";
  return r;
}

CheckResult probe_kvm_flavour(const HostRoots& roots, const std::string& vm_type) {
  CheckResult r{"kvm-flavour", false, true, "", ""};
  if (!kPowerHost) {
    r.detail = "this host is " + host_machine() + ": KVM for POWER is unavailable";
    r.fix = "install ppc-kvm-shim on a ppc64le POWER host (POWER8 or later)";
    return r;
  }
  const UniqueFd kvm = open_kvm(roots);
  if (const std::string why = why_kvm_cannot_answer(roots, kvm); !why.empty()) return not_checked(r.name, why);
  std::vector<std::string> available;
  r.detail = describe_flavours(roots, kvm.get(), available);
  const bool wanted_available = std::find(available.begin(), available.end(), vm_type) != available.end();
  r.ok = vm_type == "auto" ? !available.empty() : wanted_available;
  if (available.empty()) r.fix = kLoadKvmFix;
  else if (!r.ok) r.fix = "modprobe kvm_" + vm_type + ", or set \"vm_type\": \"auto\" in the host settings";
  return r;
}

CheckResult probe_kvm_vcpus(const HostRoots& roots, unsigned default_vcpus) {
  const UniqueFd kvm = kPowerHost ? open_kvm(roots) : UniqueFd();
  if (const std::string why = why_kvm_cannot_answer(roots, kvm); !why.empty()) return not_checked("kvm-vcpus", why);
  const int max = ::ioctl(kvm.get(), KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
  CheckResult r{"kvm-vcpus", max >= static_cast<int>(default_vcpus), true, "", ""};
  if (max < 0) r.detail = "KVM_CHECK_EXTENSION KVM_CAP_MAX_VCPUS: " + errno_text();
  else r.detail = "up to " + std::to_string(max) + " vCPUs per VM (the VMM takes 1 to 16; default_vcpus is " +
                  std::to_string(default_vcpus) + ")";
  if (!r.ok) r.fix = max > 0 ? "set \"default_vcpus\" to at most " + std::to_string(max) + " in the host settings"
                             : "see the kernel log (dmesg) for KVM's errors";
  return r;
}

CheckResult probe_kvm_xics(const HostRoots& roots) {
  const UniqueFd kvm = kPowerHost ? open_kvm(roots) : UniqueFd();
  if (const std::string why = why_kvm_cannot_answer(roots, kvm); !why.empty()) return not_checked("kvm-xics", why);
  const int xics = ::ioctl(kvm.get(), KVM_CHECK_EXTENSION, KVM_CAP_IRQ_XICS);
  CheckResult r{"kvm-xics", xics > 0, true, "", ""};
  if (xics < 0) {
    r.detail = "KVM_CHECK_EXTENSION KVM_CAP_IRQ_XICS: " + errno_text();
    r.fix = "see the kernel log (dmesg) for KVM's errors";
    return r;
  }
  r.detail = r.ok ? "in-kernel XICS interrupt controller available" : "KVM has no in-kernel XICS (KVM_CAP_IRQ_XICS)";
  if (!r.ok) r.fix = "use a host kernel with CONFIG_KVM_XICS (Debian's ppc64el kernels have it)";
  return r;
}

}  // namespace ppc::shim
