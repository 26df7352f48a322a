// The host checks on scratch trees laid out as /proc, /sys and /dev (one a host can run
// containers on, one where all is missing), and on this build machine itself. The checks that
// ask KVM with ioctls (kvm_probes.h) run only on a POWER host with KVM (the e2e L1): here they
// are seen only failing, as they must on a machine without KVM for POWER.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "host_check/check_report.h"
#include "host_check/host_checks.h"
#include "host_check/kernel_probes.h"
#include "host_check/kvm_probes.h"
#include "test_dir.h"

namespace ppc::shim {
namespace {

using test::TestDir;

HostRoots roots_in(const TestDir& dir) { return {dir / "proc", dir / "sys", dir / "dev"}; }

// The first bytes of an ELF file: class 64-bit, little-endian, e_machine at offset 18.
std::string elf_header(uint16_t machine) {
  std::string h(64, '\0');
  h.replace(0, 4, "\x7f" "ELF");
  h[4] = 2;  // ELFCLASS64
  h[5] = 1;  // ELFDATA2LSB
  h[18] = static_cast<char>(machine & 0xff);
  h[19] = static_cast<char>(machine >> 8);
  return h;
}

std::string executable(const TestDir& dir, const std::string& name) {
  const std::string path = dir.write(name, "#!/bin/sh\n");
  ::chmod(path.c_str(), 0755);
  return path;
}

// A host a container can run on, as far as files show: character devices are links to
// /dev/null (a test cannot make device nodes without privileges).
CheckSettings lay_out_good_host(const TestDir& dir) {
  dir.write("proc/cpuinfo", "processor\t: 0\ncpu\t\t: POWER9 (architected), altivec supported\nMMU\t\t: Radix\n");
  dir.write("proc/self/status", "Name:\tppc-kvm-shim\nSeccomp:\t0\nSeccomp_filters:\t0\n");
  for (const char* ns : {"mnt", "pid", "net", "ipc", "uts"}) dir.write(std::string("proc/self/ns/") + ns, "");
  dir.write("sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
  std::filesystem::create_directories(dir / "dev/net");
  std::filesystem::create_symlink("/dev/null", dir / "dev/net/tun");
  std::filesystem::create_symlink("/dev/null", dir / "dev/kvm");
  CheckSettings s{ShimConfig{}, {"settings", true, true, "made up", ""}};
  s.config.kernel = dir.write("share/guest-vmlinux", elf_header(21));  // EM_PPC64
  s.config.agent = dir.write("libexec/ppc-kvm-agent", elf_header(21));
  s.config.vmm = executable(dir, "libexec/ppc-kvm-vmm");
  s.config.virtiofsd = executable(dir, "qemu/virtiofsd");
  return s;
}

const CheckResult& find(const std::vector<CheckResult>& results, const std::string& name) {
  for (const CheckResult& r : results) {
    if (r.name == name) return r;
  }
  throw std::runtime_error("no check " + name);
}

TEST(shim_host_probes, AGoodHostPassesEveryCheckThatAsksNoKvm) {
  TestDir dir;
  const CheckSettings settings = lay_out_good_host(dir);
  const HostRoots roots = roots_in(dir);
  std::vector<CheckResult> results = host_file_checks(roots, settings);
  results.push_back(probe_kvm_device(roots));
  results.push_back(probe_mmu(roots));
  ASSERT_EQ(results.size(), 12u);
  for (const CheckResult& r : results) {
    EXPECT_TRUE(r.ok) << r.name << ": " << r.detail;
    EXPECT_EQ(r.fix, "") << r.name;
  }
  EXPECT_EQ(check_exit_status(results), 0);
  EXPECT_NE(find(results, "mmu").detail.find("radix"), std::string::npos);
  EXPECT_NE(find(results, "cgroup-v2").detail.find("memory"), std::string::npos);
  EXPECT_NE(check_report_text(results).find("This host can run ppc-kvm-shim containers."), std::string::npos);
}

TEST(shim_host_probes, AnEmptyHostFailsEveryCheckWithItsFix) {
  TestDir dir;
  CheckSettings settings{ShimConfig{}, {"settings", true, true, "made up", ""}};
  settings.config.kernel = dir / "none/guest-vmlinux";
  settings.config.vmm = dir / "none/ppc-kvm-vmm";
  settings.config.agent = dir / "none/ppc-kvm-agent";
  settings.config.virtiofsd = dir / "none/virtiofsd";
  settings.config.vhost_net = true;  // so that /dev/vhost-net is needed too
  const HostRoots roots = roots_in(dir);
  std::vector<CheckResult> results = host_file_checks(roots, settings);
  results.push_back(probe_kvm_device(roots));
  for (const CheckResult& r : results) {
    if (r.name == "settings") continue;
    EXPECT_FALSE(r.ok) << r.name;
    EXPECT_TRUE(r.needed) << r.name;
    EXPECT_NE(r.fix, "") << r.name;
  }
  EXPECT_EQ(check_exit_status(results), 1);
  const CheckResult& kvm = find(results, "kvm-device");
  EXPECT_EQ(kvm.detail, dir / "dev/kvm missing: no KVM module is loaded");
  EXPECT_NE(kvm.fix.find("modprobe kvm_hv"), std::string::npos);
  EXPECT_NE(find(results, "virtiofsd").fix.find("qemu-system-common"), std::string::npos);
  EXPECT_NE(check_report_text(results).find("MISSING  kvm-device"), std::string::npos);
  const CheckResult mmu = probe_mmu(roots);
  EXPECT_FALSE(mmu.ok);
  EXPECT_FALSE(mmu.needed);
}

TEST(shim_host_probes, WhatIsWrongIsNamed) {
  TestDir dir;
  CheckSettings settings = lay_out_good_host(dir);
  dir.write("sys/fs/cgroup/cgroup.controllers", "cpuset cpu io\n");
  dir.write("proc/self/status", "Name:\tppc-kvm-shim\n");
  std::filesystem::remove(dir / "proc/self/ns/ipc");
  settings.config.agent = dir.write("libexec/x86-agent", elf_header(62));  // EM_X86_64
  ::chmod(settings.config.vmm.c_str(), 0644);
  const std::vector<CheckResult> results = host_file_checks(roots_in(dir), settings);
  EXPECT_NE(find(results, "cgroup-v2").detail.find("missing: memory, pids"), std::string::npos);
  EXPECT_FALSE(find(results, "seccomp").ok);
  EXPECT_NE(find(results, "namespaces").detail.find(": ipc"), std::string::npos);
  EXPECT_NE(find(results, "agent").detail.find("is not a 64-bit little-endian PowerPC ELF file"), std::string::npos);
  EXPECT_NE(find(results, "vmm").detail.find("is not executable"), std::string::npos);
  for (const char* ok : {"guest-kernel", "virtiofsd", "tun"}) EXPECT_TRUE(find(results, ok).ok) << ok;
}

TEST(shim_host_probes, VhostNetIsNeededOnlyWhenTheSettingsUseIt) {
  TestDir dir;
  CheckSettings settings = lay_out_good_host(dir);
  const CheckResult unused = find(host_file_checks(roots_in(dir), settings), "vhost-net");
  EXPECT_TRUE(unused.ok);
  EXPECT_FALSE(unused.needed);
  EXPECT_NE(unused.detail.find("/vhost-net missing (not used"), std::string::npos) << unused.detail;
  settings.config.vhost_net = true;
  const CheckResult missing = find(host_file_checks(roots_in(dir), settings), "vhost-net");
  EXPECT_FALSE(missing.ok);
  EXPECT_TRUE(missing.needed);
  EXPECT_NE(missing.fix.find("modprobe vhost_net"), std::string::npos);
  std::filesystem::create_symlink("/dev/null", dir / "dev/vhost-net");
  const CheckResult present = find(host_file_checks(roots_in(dir), settings), "vhost-net");
  EXPECT_TRUE(present.ok) << present.detail;
  EXPECT_NE(present.detail.find("present (the settings' vhost_net is true)"), std::string::npos) << present.detail;
}

TEST(shim_host_probes, RefusedSettingsAreAFailedCheckAndTheDefaultsApply) {
  TestDir dir;
  const std::string path = dir.write("config.json", R"({"vm_type": "kvm"})");
  ::setenv("PPC_KVM_SHIM_CONFIG", path.c_str(), 1);
  const CheckSettings s = load_settings_for_check();
  ::unsetenv("PPC_KVM_SHIM_CONFIG");
  EXPECT_FALSE(s.result.ok);
  EXPECT_NE(s.result.detail.find("vm_type: expected auto, hv or pr"), std::string::npos) << s.result.detail;
  EXPECT_NE(s.result.fix.find("correct " + path), std::string::npos);
  EXPECT_EQ(s.config.kernel, kDefaultKernel);
  EXPECT_NE(s.config.vmm, "");
}

// This build machine has no KVM for POWER: the check must fail, saying so with the fix. It
// may have /dev/kvm (an x86 KVM); when it has none, the report must name it.
TEST(shim_host_probes, ThisBuildMachineCannotRunContainers) {
  ASSERT_EQ(std::getenv("PPC_KVM_SHIM_CONFIG"), nullptr);
  const std::vector<CheckResult> results = run_host_checks(HostRoots{}, load_settings_for_check());
  EXPECT_EQ(check_exit_status(results), 1);
  const CheckResult& flavour = find(results, "kvm-flavour");
  EXPECT_FALSE(flavour.ok);
  EXPECT_NE(flavour.fix, "");
#if !defined(__powerpc64__)
  EXPECT_NE(flavour.detail.find("KVM for POWER is unavailable"), std::string::npos) << flavour.detail;
#endif
  const CheckResult& kvm = find(results, "kvm-device");
  const int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
  EXPECT_EQ(kvm.ok, fd >= 0) << kvm.detail;
  if (fd >= 0) ::close(fd);
  if (::access("/dev/kvm", F_OK) != 0) {
    EXPECT_EQ(kvm.detail, "/dev/kvm missing: no KVM module is loaded");
    EXPECT_NE(check_report_text(results).find("MISSING  kvm-device    /dev/kvm missing"), std::string::npos);
  }
}

}  // namespace
}  // namespace ppc::shim
