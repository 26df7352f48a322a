#include "vm/shim_config.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "base/error.h"
#include "log/logger.h"
#include "vm/annotations.h"

namespace ppc::shim {
namespace {

uint64_t positive(const nlohmann::json& v, const std::string& key, uint64_t max) {
  if (!v.is_number_unsigned() || v.get<uint64_t>() == 0 || v.get<uint64_t>() > max) {
    throw Error(key + ": expected an integer from 1 to " + std::to_string(max) + ", got " + v.dump());
  }
  return v.get<uint64_t>();
}

std::string text(const nlohmann::json& v, const std::string& key) {
  if (!v.is_string() || v.get<std::string>().empty()) throw Error(key + ": expected a non-empty string, got " + v.dump());
  return v.get<std::string>();
}

std::vector<std::string> strings(const nlohmann::json& v, const std::string& key) {
  if (!v.is_array()) throw Error(key + ": expected an array of strings");
  std::vector<std::string> out;
  for (const auto& a : v) {
    if (!a.is_string()) throw Error(key + ": expected an array of strings, got " + a.dump());
    out.push_back(a.get<std::string>());
  }
  return out;
}

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

bool boolean(const nlohmann::json& v, const std::string& key) {
  if (!v.is_boolean()) throw Error(key + ": expected true or false, got " + v.dump());
  return v.get<bool>();
}

}  // namespace

ShimConfig parse_shim_config(const nlohmann::json& j, const std::string& source) {
  ShimConfig c;
  with_context(source, [&] {
    if (!j.is_object()) throw Error("expected a JSON object");
    for (const auto& [key, v] : j.items()) {
      if (key == "kernel") c.kernel = text(v, key);
      else if (key == "vmm") c.vmm = text(v, key);
      else if (key == "agent") c.agent = text(v, key);
      else if (key == "default_memory_mib") c.default_memory_mib = positive(v, key, 1 << 20);
      else if (key == "memory_overhead_mib") c.memory_overhead_mib = positive(v, key, 1 << 20);
      else if (key == "default_vcpus") c.default_vcpus = static_cast<unsigned>(positive(v, key, 16));
      else if (key == "pod_memory_mib") c.pod_memory_mib = positive(v, key, 1 << 20);
      else if (key == "pod_vcpus") c.pod_vcpus = static_cast<unsigned>(positive(v, key, 16));
      else if (key == "vm_type") {
        c.vm_type = text(v, key);
        if (c.vm_type != "auto" && c.vm_type != "hv" && c.vm_type != "pr") throw Error(key + ": expected auto, hv or pr, got " + v.dump());
      } else if (key == "kernel_cmdline") c.kernel_cmdline = text(v, key);
      else if (key == "vmm_args") c.vmm_args = strings(v, key);
      else if (key == "virtiofsd") c.virtiofsd = text(v, key);
      else if (key == "allowed_annotations") {
        c.allowed_annotations = strings(v, key);
        for (const std::string& name : c.allowed_annotations)
          if (std::find(kVmAnnotations.begin(), kVmAnnotations.end(), name) == kVmAnnotations.end())
            throw Error(key + ": \"" + name + "\" is not an annotation of ours");
      }
      else if (key == "allowed_kernel_dirs") {
        c.allowed_kernel_dirs = strings(v, key);
        for (const std::string& dir : c.allowed_kernel_dirs)
          if (dir.empty() || dir.front() != '/') throw Error(key + ": \"" + dir + "\" is not an absolute path");
      }
      else if (key == "max_bind_copy_mib" || key == "rootfs_disk_min_mib") {
        // Settings of the copies a container used to get; its files are shared now.
        logger().warning(source + ": " + key + " has no effect any more (a container's files are shared, not copied)");
      } else if (key == "boot_timeout_seconds") c.boot_timeout_seconds = static_cast<unsigned>(positive(v, key, 86400));
      else if (key == "fault_points") c.fault_points = boolean(v, key);
      else if (key == "templates") {
        if (!v.is_number_unsigned() || v.get<uint64_t>() > 64) throw Error(key + ": expected an integer from 0 to 64, got " + v.dump());
        c.templates = v.get<unsigned>();
      } else if (key == "template_dir") {
        c.template_dir = text(v, key);
        if (c.template_dir.front() != '/') throw Error(key + ": \"" + c.template_dir + "\" is not an absolute path");
      }
      else if (key == "vhost_net") c.vhost_net = boolean(v, key);
      else throw Error("unknown key \"" + key + "\"");
    }
  });
  return c;
}

std::string resolve_program(const std::string& configured, const std::string& fallback, const std::string& name) {
  if (!configured.empty()) return configured;
  if (exists(fallback)) return fallback;
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    std::string dir(self, static_cast<size_t>(n));
    dir.resize(dir.rfind('/') + 1);
    if (exists(dir + name)) return dir + name;
  }
  return fallback;
}

std::string shim_config_path() {
  const char* env = std::getenv("PPC_KVM_SHIM_CONFIG");
  return env != nullptr && *env != '\0' ? env : kDefaultShimConfig;
}

void resolve_programs(ShimConfig& c) {
  if (const char* agent = std::getenv("PPC_KVM_SHIM_AGENT"); agent != nullptr && *agent != '\0') c.agent = agent;
  c.vmm = resolve_program(c.vmm, kDefaultVmm, "ppc-kvm-vmm");
  c.agent = resolve_program(c.agent, kDefaultAgent, "ppc-kvm-agent");
}

ShimConfig load_shim_config() {
  const std::string path = shim_config_path();
  ShimConfig c;
  std::ifstream in(path);
  if (in) {
    std::stringstream content;
    content << in.rdbuf();
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(content.str());
    } catch (const nlohmann::json::exception& e) {
      throw Error(path + ": " + e.what());
    }
    c = parse_shim_config(j, path);
  } else if (const char* env = std::getenv("PPC_KVM_SHIM_CONFIG"); env != nullptr && *env != '\0') {
    throw Error("PPC_KVM_SHIM_CONFIG: cannot read " + path);
  }
  resolve_programs(c);
  return c;
}

}  // namespace ppc::shim
