#include "vm/vm_sizing.h"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <optional>
#include <cctype>
#include <limits>
#include <set>

#include "base/error.h"
#include "log/logger.h"

namespace ppc::shim {
namespace {

constexpr uint64_t kMiB = 1024 * 1024;

uint64_t round_up(uint64_t value, uint64_t to) { return (value + to - 1) / to * to; }

uint64_t parse_decimal(std::string_view text, std::string_view what) {
  if (text.empty() || text.size() > 19) throw Error(std::string(what) + ": \"" + std::string(text) + "\" is not a number");
  uint64_t v = 0;
  for (const char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) throw Error(std::string(what) + ": \"" + std::string(text) + "\" is not a number");
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

std::string annotation_field(const char* key) { return std::string("annotations[\"") + key + "\"]"; }

// The annotation's value when the container has it and the host settings allow it.
const std::string* annotation(const oci::Config& c, const ShimConfig& settings, const char* key) {
  const auto it = c.annotations.find(key);
  if (it == c.annotations.end()) return nullptr;
  const auto& allowed = settings.allowed_annotations;
  if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) return &it->second;
  logger().warning(annotation_field(key) + " is ignored: the host settings do not allow it (\"allowed_annotations\")");
  return nullptr;
}

// A pod's sandbox container (its VM holds the pod's containers), as CRI or CRI-O marks it.
// podman 4 marks only a pod's other containers ("container", with the infra container's id):
// its infra container is known by the pause process it runs, catatonit in pause mode.
bool is_pod_sandbox(const oci::Config& c) {
  for (const char* key : {kAnnotationCriContainerType, kAnnotationCrioContainerType}) {
    const auto it = c.annotations.find(key);
    if (it != c.annotations.end()) return it->second == "sandbox";
  }
  return c.process && c.process->args == std::vector<std::string>{"/catatonit", "-P"};
}

// One of CRI's pod resource annotations when allowed and positive ("0" and negative numbers
// mean no limit: kubelet sends them for a pod without limits).
std::optional<uint64_t> cri_pod_value(const oci::Config& c, const ShimConfig& settings, const char* key) {
  const std::string* a = annotation(c, settings, key);
  if (a == nullptr || a->starts_with('-')) return std::nullopt;
  const uint64_t v = parse_decimal(*a, annotation_field(key));
  if (v == 0) return std::nullopt;
  return v;
}

// The container's memory limit in MiB (a pod's sandbox: the pod's, as CRI gives it), or
// nullopt without one.
std::optional<uint64_t> limit_mib(const oci::Config& config, const ShimConfig& d) {
  if (is_pod_sandbox(config)) {
    if (const std::optional<uint64_t> pod = cri_pod_value(config, d, kAnnotationCriSandboxMemory)) {
      return round_up(*pod, kMiB) / kMiB;
    }
  }
  const auto& limit = config.linux.resources.memory.limit;
  if (!limit || *limit <= 0) return std::nullopt;  // -1: unlimited
  return round_up(static_cast<uint64_t>(*limit), kMiB) / kMiB;
}

uint64_t memory_mib(const oci::Config& config, const ShimConfig& d, uint64_t initramfs_bytes) {
  const std::optional<uint64_t> limit = limit_mib(config, d);
  if (const std::string* a = annotation(config, d, kAnnotationMemory)) {
    const uint64_t bytes = with_context(annotation_field(kAnnotationMemory), [&] { return parse_memory_size(*a); });
    const uint64_t mib = round_up(bytes, kMiB) / kMiB;
    if (mib < kMinAnnotatedMiB) {
      throw Error(annotation_field(kAnnotationMemory) + ": " + *a + " is less than the " + std::to_string(kMinAnnotatedMiB) +
                  " MiB a guest needs");
    }
    if (limit && mib > *limit + d.memory_overhead_mib) {
      throw Error(annotation_field(kAnnotationMemory) + ": " + *a + " is more than the container's memory limit (" +
                  std::to_string(*limit) + " MiB) plus the guest's overhead (" + std::to_string(d.memory_overhead_mib) +
                  " MiB)");
    }
    return mib;
  }
  const uint64_t container_mib = limit.value_or(is_pod_sandbox(config) ? d.pod_memory_mib : d.default_memory_mib);
  const uint64_t total = container_mib + d.memory_overhead_mib + round_up(initramfs_bytes, kMiB) / kMiB;
  return round_up(std::max(total, kMinGuestMiB), kGuestAlignMiB);
}

constexpr uint64_t kDefaultCpuPeriod = 100000;  // the kernel's

// What CRI's pod CPU annotations give a pod's sandbox, 0 without them.
uint64_t pod_vcpus(const oci::Config& config, const ShimConfig& d) {
  if (!is_pod_sandbox(config)) return 0;
  const std::optional<uint64_t> quota = cri_pod_value(config, d, kAnnotationCriSandboxCpuQuota);
  if (!quota) return 0;
  const uint64_t period = cri_pod_value(config, d, kAnnotationCriSandboxCpuPeriod).value_or(kDefaultCpuPeriod);
  return *quota / period + (*quota % period != 0 ? 1 : 0);
}

// What the container's CPU limits give (quota, cpuset; a pod's sandbox: the pod's quota),
// 0 without any.
uint64_t limited_vcpus(const oci::Config& config, const ShimConfig& d) {
  const oci::CpuResources& cpu = config.linux.resources.cpu;
  uint64_t n = pod_vcpus(config, d);
  if (n == 0 && cpu.quota && *cpu.quota > 0) {
    const uint64_t period = cpu.period && *cpu.period > 0 ? *cpu.period : kDefaultCpuPeriod;
    n = (static_cast<uint64_t>(*cpu.quota) + period - 1) / period;
  }
  if (!cpu.cpus.empty()) {
    const unsigned in_set = with_context("linux.resources.cpu.cpus", [&] { return count_cpus(cpu.cpus); });
    n = n == 0 ? in_set : std::min<uint64_t>(n, in_set);
  }
  return n;
}

unsigned vcpus(const oci::Config& config, const ShimConfig& d) {
  const uint64_t limited = limited_vcpus(config, d);
  if (const std::string* a = annotation(config, d, kAnnotationVcpus)) {
    const uint64_t n = parse_decimal(*a, annotation_field(kAnnotationVcpus));
    if (n < 1 || n > kMaxVcpus) {
      throw Error(annotation_field(kAnnotationVcpus) + ": " + *a + " is not between 1 and " + std::to_string(kMaxVcpus));
    }
    if (limited != 0 && n > limited) {
      throw Error(annotation_field(kAnnotationVcpus) + ": " + *a + " is more than the container's CPU limit allows (" +
                  std::to_string(limited) + ")");
    }
    return static_cast<unsigned>(n);
  }
  uint64_t n = limited;
  if (n == 0) n = is_pod_sandbox(config) ? d.pod_vcpus : d.default_vcpus;
  return static_cast<unsigned>(std::clamp<uint64_t>(n, 1, kMaxVcpus));
}

// An annotated kernel: a file below one of the allowed directories, as its real path says
// (no "..", no symbolic link leads out).
std::string allowed_kernel(const std::string& path, const ShimConfig& settings) {
  if (path.empty() || path.front() != '/') throw Error("must be an absolute path");
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) == nullptr) throw_errno(path);
  const std::string real = resolved;
  for (const std::string& dir : settings.allowed_kernel_dirs) {
    const std::string prefix = dir.back() == '/' ? dir : dir + "/";
    if (real.compare(0, prefix.size(), prefix) == 0) return real;
  }
  throw Error(path + " is not below a directory the host settings allow (\"allowed_kernel_dirs\")");
}

}  // namespace

uint64_t parse_memory_size(std::string_view text) {
  if (text.empty()) throw Error("empty size");
  unsigned shift = 0;
  std::string_view digits = text;
  switch (std::toupper(static_cast<unsigned char>(text.back()))) {
    case 'K': shift = 10; break;
    case 'M': shift = 20; break;
    case 'G': shift = 30; break;
    default: break;
  }
  if (shift != 0) digits.remove_suffix(1);
  const uint64_t value = parse_decimal(digits, "size \"" + std::string(text) + "\"");
  if (value > (std::numeric_limits<uint64_t>::max() >> shift)) throw Error("size \"" + std::string(text) + "\" is too large");
  return value << shift;
}

unsigned count_cpus(std::string_view cpuset) {
  std::set<uint64_t> cpus;
  size_t start = 0;
  while (start <= cpuset.size()) {
    size_t end = cpuset.find(',', start);
    if (end == std::string_view::npos) end = cpuset.size();
    const std::string_view item = cpuset.substr(start, end - start);
    const size_t dash = item.find('-');
    const std::string what = "\"" + std::string(cpuset) + "\"";
    const uint64_t first = parse_decimal(item.substr(0, dash), what);
    const uint64_t last = dash == std::string_view::npos ? first : parse_decimal(item.substr(dash + 1), what);
    if (last < first || last > 8191) throw Error(what + ": bad range \"" + std::string(item) + "\"");
    for (uint64_t c = first; c <= last; ++c) cpus.insert(c);
    start = end + 1;
  }
  return static_cast<unsigned>(cpus.size());
}

VmSize size_vm(const oci::Config& config, const ShimConfig& defaults, uint64_t initramfs_bytes) {
  VmSize size;
  size.memory_mib = memory_mib(config, defaults, initramfs_bytes);
  size.vcpus = vcpus(config, defaults);
  size.vm_type = defaults.vm_type;
  if (const std::string* a = annotation(config, defaults, kAnnotationVmType)) {
    if (*a != "auto" && *a != "hv" && *a != "pr") {
      throw Error(annotation_field(kAnnotationVmType) + ": \"" + *a + "\" is not auto, hv or pr");
    }
    size.vm_type = *a;
  }
  size.kernel = defaults.kernel;
  if (const std::string* a = annotation(config, defaults, kAnnotationKernel)) {
    size.kernel = with_context(annotation_field(kAnnotationKernel), [&] { return allowed_kernel(*a, defaults); });
  }
  return size;
}

}  // namespace ppc::shim
