// The VM's size from the config's resources, annotations and the host's defaults.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "vm/shim_config.h"
#include "vm/vm_sizing.h"

namespace ppc::shim {
namespace {

constexpr uint64_t kMiB = 1 << 20;

oci::Config config() {
  oci::Config c;
  c.oci_version = "1.0.2";
  c.root.path = "rootfs";
  return c;
}

// Host settings that allow every VM annotation, kernels below /k-dir.
ShimConfig permissive() {
  ShimConfig s;
  s.allowed_annotations.assign(kVmAnnotations.begin(), kVmAnnotations.end());
  s.allowed_kernel_dirs = {"/k-dir"};
  return s;
}

std::string error_of(const oci::Config& c, const ShimConfig& settings = permissive()) {
  try {
    size_vm(c, settings, 0);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(shim_vm_sizing, DefaultsWithoutResources) {
  ShimConfig d;  // 256 MiB container + 64 MiB overhead, 1 vCPU
  const VmSize s = size_vm(config(), d, 3 * kMiB + 1);
  EXPECT_EQ(s.memory_mib, 336u);  // 256 + 64 + 4 (initramfs, rounded up) = 324 -> 336
  EXPECT_EQ(s.vcpus, 1u);
  EXPECT_EQ(s.vm_type, "auto");
  EXPECT_EQ(s.kernel, kDefaultKernel);
  d.default_memory_mib = 1000;
  d.default_vcpus = 3;
  d.vm_type = "pr";
  d.kernel = "/k";
  EXPECT_EQ(size_vm(config(), d, 0), (VmSize{1072, 3, "pr", "/k"}));
}

TEST(shim_vm_sizing, MemoryLimitPlusOverheadWithFloorAndAlignment) {
  oci::Config c = config();
  c.linux.resources.memory.limit = 512 * kMiB;
  EXPECT_EQ(size_vm(c, ShimConfig{}, 0).memory_mib, 576u);
  c.linux.resources.memory.limit = 500 * kMiB + 1;  // 501 MiB + 64 = 565 -> 576
  EXPECT_EQ(size_vm(c, ShimConfig{}, 0).memory_mib, 576u);
  c.linux.resources.memory.limit = 6 * kMiB;  // 70 MiB is below the floor
  EXPECT_EQ(size_vm(c, ShimConfig{}, 0).memory_mib, kMinGuestMiB);
  c.linux.resources.memory.limit = -1;  // unlimited: the default
  EXPECT_EQ(size_vm(c, ShimConfig{}, 0).memory_mib, 320u);
  c.linux.resources.memory.limit = 100 * kMiB;  // the root filesystem lives in guest RAM too
  EXPECT_EQ(size_vm(c, ShimConfig{}, 40 * kMiB).memory_mib, 208u);
}

TEST(shim_vm_sizing, CpuQuotaAndCpusetGiveVcpus) {
  oci::Config c = config();
  c.linux.resources.cpu.quota = 150000;
  c.linux.resources.cpu.period = 100000;
  EXPECT_EQ(size_vm(c, ShimConfig{}, 0).vcpus, 2u);  // 1.5 CPUs -> 2 vCPUs
  c.linux.resources.cpu.period.reset();  // the kernel's default period, 100 ms
  EXPECT_EQ(size_vm(c, ShimConfig{}, 0).vcpus, 2u);
  c.linux.resources.cpu.cpus = "0";
  EXPECT_EQ(size_vm(c, ShimConfig{}, 0).vcpus, 1u);  // the smaller of the two
  c.linux.resources.cpu.quota.reset();
  c.linux.resources.cpu.cpus = "0-3,8,10-11";
  EXPECT_EQ(size_vm(c, ShimConfig{}, 0).vcpus, 7u);
  c.linux.resources.cpu.cpus = "0-63";
  EXPECT_EQ(size_vm(c, ShimConfig{}, 0).vcpus, kMaxVcpus);  // clamped to what the VMM runs
  c.linux.resources.cpu.cpus = "";
  c.linux.resources.cpu.quota = -1;  // no limit
  EXPECT_EQ(size_vm(c, ShimConfig{}, 0).vcpus, 1u);
}

TEST(shim_vm_sizing, AllowedAnnotationsOverride) {
  oci::Config c = config();
  c.linux.resources.memory.limit = 4096 * kMiB;
  c.linux.resources.cpu.cpus = "0-7";
  c.annotations = {{kAnnotationMemory, "192M"}, {kAnnotationVcpus, "3"}, {kAnnotationVmType, "hv"}};
  EXPECT_EQ(size_vm(c, permissive(), 100 * kMiB), (VmSize{192, 3, "hv", kDefaultKernel}));
  c.annotations[kAnnotationMemory] = "1G";
  EXPECT_EQ(size_vm(c, permissive(), 0).memory_mib, 1024u);
  c.annotations[kAnnotationMemory] = "134217728";
  EXPECT_EQ(size_vm(c, permissive(), 0).memory_mib, 128u);
}

TEST(shim_vm_sizing, AnnotationsTheHostDoesNotAllowAreIgnored) {
  oci::Config c = config();
  c.annotations = {{kAnnotationMemory, "4G"}, {kAnnotationVcpus, "16"}, {kAnnotationVmType, "pr"}, {kAnnotationKernel, "/etc/shadow"}};
  EXPECT_EQ(size_vm(c, ShimConfig{}, 0), size_vm(config(), ShimConfig{}, 0));
  ShimConfig only_vcpus;
  only_vcpus.allowed_annotations = {kAnnotationVcpus};
  const VmSize s = size_vm(c, only_vcpus, 0);
  EXPECT_EQ(s.vcpus, 16u);
  EXPECT_EQ(s.memory_mib, 320u);
  EXPECT_EQ(s.vm_type, "auto");
  EXPECT_EQ(s.kernel, kDefaultKernel);
}

TEST(shim_vm_sizing, AnnotationsStayWithinTheContainersLimits) {
  oci::Config c = config();
  c.linux.resources.memory.limit = 256 * kMiB;
  c.annotations = {{kAnnotationMemory, "320M"}};  // the limit plus the 64 MiB overhead: allowed
  EXPECT_EQ(size_vm(c, permissive(), 0).memory_mib, 320u);
  c.annotations = {{kAnnotationMemory, "321M"}};
  EXPECT_NE(error_of(c).find("annotations[\"io.ppc-kvm.memory\"]: 321M is more than the container's memory limit (256 MiB)"),
            std::string::npos) << error_of(c);
  c.linux.resources.cpu.quota = 200000;
  c.linux.resources.cpu.period = 100000;
  c.annotations = {{kAnnotationVcpus, "2"}};
  EXPECT_EQ(size_vm(c, permissive(), 0).vcpus, 2u);
  c.annotations = {{kAnnotationVcpus, "3"}};
  EXPECT_NE(error_of(c).find("annotations[\"io.ppc-kvm.vcpus\"]: 3 is more than the container's CPU limit allows (2)"),
            std::string::npos) << error_of(c);
}

TEST(shim_vm_sizing, AnnotatedKernelsLieBelowAnAllowedDirectory) {
  char dir_template[] = "/tmp/kernels-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  ASSERT_EQ(::mkdir((dir + "/ok").c_str(), 0700), 0);
  std::ofstream(dir + "/ok/vmlinux") << "k";
  std::ofstream(dir + "/outside") << "k";
  ASSERT_EQ(::symlink("../outside", (dir + "/ok/link").c_str()), 0);
  ShimConfig s = permissive();
  s.allowed_kernel_dirs = {dir + "/ok"};
  oci::Config c = config();
  c.annotations = {{kAnnotationKernel, dir + "/ok/vmlinux"}};
  EXPECT_EQ(size_vm(c, s, 0).kernel, dir + "/ok/vmlinux");
  for (const std::string& bad : {dir + "/ok/../outside", dir + "/ok/link", dir + "/outside"}) {
    c.annotations = {{kAnnotationKernel, bad}};
    EXPECT_NE(error_of(c, s).find("is not below a directory the host settings allow"), std::string::npos) << bad << ": " << error_of(c, s);
  }
  c.annotations = {{kAnnotationKernel, dir + "/ok/missing"}};
  EXPECT_NE(error_of(c, s).find("No such file or directory"), std::string::npos) << error_of(c, s);
  std::filesystem::remove_all(dir);
}

TEST(shim_vm_sizing, BadAnnotationsNameThemselves) {
  oci::Config c = config();
  c.annotations = {{kAnnotationMemory, "lots"}};
  EXPECT_NE(error_of(c).find("annotations[\"io.ppc-kvm.memory\"]"), std::string::npos) << error_of(c);
  c.annotations = {{kAnnotationMemory, "32M"}};
  EXPECT_NE(error_of(c).find("less than the 64 MiB"), std::string::npos) << error_of(c);
  c.annotations = {{kAnnotationVcpus, "17"}};
  EXPECT_NE(error_of(c).find("annotations[\"io.ppc-kvm.vcpus\"]: 17 is not between 1 and 16"), std::string::npos) << error_of(c);
  c.annotations = {{kAnnotationVcpus, "0"}};
  EXPECT_NE(error_of(c).find("io.ppc-kvm.vcpus"), std::string::npos);
  c.annotations = {{kAnnotationVmType, "tcg"}};
  EXPECT_NE(error_of(c).find("io.ppc-kvm.vm-type"), std::string::npos);
  c.annotations = {{kAnnotationKernel, "relative/vmlinux"}};
  EXPECT_NE(error_of(c).find("io.ppc-kvm.kernel"), std::string::npos);
  c.annotations.clear();
  c.linux.resources.cpu.cpus = "3-1";
  EXPECT_NE(error_of(c).find("linux.resources.cpu.cpus"), std::string::npos) << error_of(c);
}

// A pod's sandbox stands for the pod: CRI's pod annotations when allowed, else the pod
// defaults; any other container keeps its own limits and the container defaults.
TEST(shim_vm_sizing, APodsSandboxIsSizedForThePod) {
  ShimConfig d;  // pod: 512 MiB + 64, 1 vCPU
  d.pod_vcpus = 2;
  oci::Config sandbox = config();
  sandbox.annotations = {{kAnnotationCriContainerType, "sandbox"}};
  EXPECT_EQ(size_vm(sandbox, d, 0).memory_mib, 576u);
  EXPECT_EQ(size_vm(sandbox, d, 0).vcpus, 2u);
  oci::Config crio = config();
  crio.annotations = {{kAnnotationCrioContainerType, "sandbox"}};
  EXPECT_EQ(size_vm(crio, d, 0).memory_mib, 576u);
  oci::Config infra = config();  // podman 4's infra container: no annotation, its pause process
  infra.process.emplace();
  infra.process->args = {"/catatonit", "-P"};
  EXPECT_EQ(size_vm(infra, d, 0).memory_mib, 576u);
  infra.annotations = {{kAnnotationCrioContainerType, "container"}};  // a member that runs it
  EXPECT_EQ(size_vm(infra, d, 0).memory_mib, 320u);
  oci::Config member = config();
  member.annotations = {{kAnnotationCriContainerType, "container"}};
  EXPECT_EQ(size_vm(member, d, 0).memory_mib, 320u);
  EXPECT_EQ(size_vm(member, d, 0).vcpus, 1u);

  // CRI's annotations: 1 GiB and 2.5 CPUs (the pause container's own limits do not count).
  sandbox.annotations[kAnnotationCriSandboxMemory] = std::to_string(1024 * kMiB);
  sandbox.annotations[kAnnotationCriSandboxCpuQuota] = "250000";
  sandbox.annotations[kAnnotationCriSandboxCpuPeriod] = "100000";
  sandbox.linux.resources.memory.limit = 64 * kMiB;
  ShimConfig allowing = permissive();
  allowing.pod_vcpus = 2;
  EXPECT_EQ(size_vm(sandbox, allowing, 0).memory_mib, 1088u);
  EXPECT_EQ(size_vm(sandbox, allowing, 0).vcpus, 3u);
  // Not allowed: ignored; the sandbox's own limit, then the pod default.
  EXPECT_EQ(size_vm(sandbox, d, 0).memory_mib, 128u);
  EXPECT_EQ(size_vm(sandbox, d, 0).vcpus, 2u);
  // "0" and negative numbers: the pod sets no limit.
  sandbox.linux.resources.memory.limit.reset();
  sandbox.annotations[kAnnotationCriSandboxMemory] = "0";
  sandbox.annotations[kAnnotationCriSandboxCpuQuota] = "-1";
  EXPECT_EQ(size_vm(sandbox, allowing, 0), (VmSize{576, 2, "auto", kDefaultKernel}));
  // Without a period: the kernel's 100 ms.
  sandbox.annotations.erase(kAnnotationCriSandboxCpuPeriod);
  sandbox.annotations[kAnnotationCriSandboxCpuQuota] = "100001";
  EXPECT_EQ(size_vm(sandbox, allowing, 0).vcpus, 2u);
  // On a container that is not a sandbox they mean nothing.
  member.annotations[kAnnotationCriSandboxMemory] = std::to_string(1024 * kMiB);
  EXPECT_EQ(size_vm(member, allowing, 0).memory_mib, 320u);
  // Garbage names the annotation.
  sandbox.annotations[kAnnotationCriSandboxMemory] = "1Gi";
  EXPECT_NE(error_of(sandbox).find("annotations[\"io.kubernetes.cri.sandbox-memory\"]"), std::string::npos)
      << error_of(sandbox);
}

TEST(shim_vm_sizing, SizesAndCpusetsParse) {
  EXPECT_EQ(parse_memory_size("512M"), 512 * kMiB);
  EXPECT_EQ(parse_memory_size("2g"), 2048 * kMiB);
  EXPECT_EQ(parse_memory_size("64K"), 65536u);
  EXPECT_EQ(parse_memory_size("17179869184"), 16384 * kMiB);
  for (const char* bad : {"", "M", "1.5G", "-1", "12T", "99999999999999999999"}) {
    EXPECT_THROW(parse_memory_size(bad), Error) << bad;
  }
  EXPECT_EQ(count_cpus("0"), 1u);
  EXPECT_EQ(count_cpus("0-1,1-2"), 3u);
  for (const char* bad : {"", "a", "1-", ",", "2-1"}) EXPECT_THROW(count_cpus(bad), Error) << bad;
}

TEST(shim_vm_config, HostSettingsParseAndRejectTypos) {
  const ShimConfig c = parse_shim_config(
      nlohmann::json::parse(R"({"kernel":"/k","vmm":"/v","agent":"/a","default_memory_mib":100,"memory_overhead_mib":32,
        "default_vcpus":2,"vm_type":"hv","kernel_cmdline":"quiet","vmm_args":["--stats"],
        "boot_timeout_seconds":9,"virtiofsd":"/opt/virtiofsd","vhost_net":true,"pod_memory_mib":700,"pod_vcpus":3})"),
      "cfg");
  EXPECT_EQ(c.kernel, "/k");
  EXPECT_EQ(c.vmm, "/v");
  EXPECT_EQ(c.agent, "/a");
  EXPECT_EQ(c.default_memory_mib, 100u);
  EXPECT_EQ(c.memory_overhead_mib, 32u);
  EXPECT_EQ(c.default_vcpus, 2u);
  EXPECT_EQ(c.pod_memory_mib, 700u);
  EXPECT_EQ(c.pod_vcpus, 3u);
  EXPECT_EQ(c.vm_type, "hv");
  EXPECT_EQ(c.kernel_cmdline, "quiet");
  EXPECT_EQ(c.vmm_args, std::vector<std::string>{"--stats"});
  EXPECT_EQ(c.boot_timeout_seconds, 9u);
  EXPECT_EQ(c.virtiofsd, "/opt/virtiofsd");
  EXPECT_EQ(ShimConfig{}.virtiofsd, "/usr/lib/qemu/virtiofsd");
  EXPECT_TRUE(c.vhost_net);
  EXPECT_FALSE(ShimConfig{}.vhost_net);  // the guest's rings stay in the confined VMM unless asked
  EXPECT_TRUE(ShimConfig{}.allowed_annotations.empty());  // a container sizes nothing unless allowed
  const ShimConfig allowing = parse_shim_config(
      nlohmann::json::parse(R"({"allowed_annotations":["io.ppc-kvm.vcpus"],"allowed_kernel_dirs":["/srv/k"]})"), "cfg");
  EXPECT_EQ(allowing.allowed_annotations, std::vector<std::string>{"io.ppc-kvm.vcpus"});
  EXPECT_EQ(allowing.allowed_kernel_dirs, std::vector<std::string>{"/srv/k"});
  // The copies' settings of earlier versions are accepted, with a warning, and do nothing.
  EXPECT_NO_THROW(parse_shim_config(nlohmann::json::parse(R"({"max_bind_copy_mib":4,"rootfs_disk_min_mib":0})"), "old"));
  for (const char* bad : {R"({"kernal":"/k"})", R"({"default_vcpus":17})", R"({"default_vcpus":"2"})",
                          R"({"vm_type":"kvm"})", R"({"vmm_args":[1]})", R"([])", R"({"kernel":""})",
                          R"({"virtiofsd":""})", R"({"virtiofsd":1})", R"({"allowed_annotations":["io.ppc-kvm.memroy"]})",
                          R"({"allowed_annotations":"io.ppc-kvm.memory"})", R"({"allowed_kernel_dirs":["kernels"]})",
                          R"({"vhost_net":"yes"})", R"({"vhost_net":1})", R"({"pod_vcpus":0})", R"({"pod_memory_mib":-1})"}) {
    try {
      parse_shim_config(nlohmann::json::parse(bad), "/etc/x.json");
      ADD_FAILURE() << "accepted " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).rfind("/etc/x.json: ", 0), 0u) << e.what();
    }
  }
}

TEST(shim_vm_config, ProgramsResolveToConfiguredThenDefaultThenBesideTheShim) {
  EXPECT_EQ(resolve_program("/configured", "/bin/sh", "x"), "/configured");
  EXPECT_EQ(resolve_program("", "/bin/sh", "x"), "/bin/sh");
  EXPECT_EQ(resolve_program("", "/nonexistent/vmm", "no-such-program-here"), "/nonexistent/vmm");
}

}  // namespace
}  // namespace ppc::shim
