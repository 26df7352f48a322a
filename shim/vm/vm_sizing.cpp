#include "vm/vm_sizing.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <set>

#include "base/error.h"

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

const std::string* annotation(const oci::Config& c, const char* key) {
  const auto it = c.annotations.find(key);
  return it == c.annotations.end() ? nullptr : &it->second;
}

std::string annotation_field(const char* key) { return std::string("annotations[\"") + key + "\"]"; }

uint64_t memory_mib(const oci::Config& config, const ShimConfig& d, uint64_t initramfs_bytes) {
  if (const std::string* a = annotation(config, kAnnotationMemory)) {
    const uint64_t bytes = with_context(annotation_field(kAnnotationMemory), [&] { return parse_memory_size(*a); });
    const uint64_t mib = round_up(bytes, kMiB) / kMiB;
    if (mib < kMinAnnotatedMiB) {
      throw Error(annotation_field(kAnnotationMemory) + ": " + *a + " is less than the " + std::to_string(kMinAnnotatedMiB) +
                  " MiB a guest needs");
    }
    return mib;
  }
  uint64_t container_mib = d.default_memory_mib;
  const auto& limit = config.linux.resources.memory.limit;
  if (limit && *limit > 0) container_mib = round_up(static_cast<uint64_t>(*limit), kMiB) / kMiB;  // -1: unlimited
  const uint64_t total = container_mib + d.memory_overhead_mib + round_up(initramfs_bytes, kMiB) / kMiB;
  return round_up(std::max(total, kMinGuestMiB), kGuestAlignMiB);
}

unsigned vcpus(const oci::Config& config, const ShimConfig& d) {
  if (const std::string* a = annotation(config, kAnnotationVcpus)) {
    const uint64_t n = parse_decimal(*a, annotation_field(kAnnotationVcpus));
    if (n < 1 || n > kMaxVcpus) {
      throw Error(annotation_field(kAnnotationVcpus) + ": " + *a + " is not between 1 and " + std::to_string(kMaxVcpus));
    }
    return static_cast<unsigned>(n);
  }
  const oci::CpuResources& cpu = config.linux.resources.cpu;
  uint64_t n = 0;
  if (cpu.quota && *cpu.quota > 0) {
    const uint64_t period = cpu.period && *cpu.period > 0 ? *cpu.period : 100000;  // the kernel's default period
    n = (static_cast<uint64_t>(*cpu.quota) + period - 1) / period;
  }
  if (!cpu.cpus.empty()) {
    const unsigned in_set = with_context("linux.resources.cpu.cpus", [&] { return count_cpus(cpu.cpus); });
    n = n == 0 ? in_set : std::min<uint64_t>(n, in_set);
  }
  if (n == 0) n = d.default_vcpus;
  return static_cast<unsigned>(std::clamp<uint64_t>(n, 1, kMaxVcpus));
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
  if (const std::string* a = annotation(config, kAnnotationVmType)) {
    if (*a != "auto" && *a != "hv" && *a != "pr") {
      throw Error(annotation_field(kAnnotationVmType) + ": \"" + *a + "\" is not auto, hv or pr");
    }
    size.vm_type = *a;
  }
  size.kernel = defaults.kernel;
  if (const std::string* a = annotation(config, kAnnotationKernel)) {
    if (a->empty() || a->front() != '/') throw Error(annotation_field(kAnnotationKernel) + ": must be an absolute path");
    size.kernel = *a;
  }
  return size;
}

}  // namespace ppc::shim
