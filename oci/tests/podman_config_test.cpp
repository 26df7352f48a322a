// A realistic podman config.json parses, and every field arrives where it belongs.
#include <sys/resource.h>

#include <gtest/gtest.h>

#include "oci/parse_config.h"
#include "podman_config.h"

namespace ppc::oci {
namespace {

const std::vector<std::string> kDefaultCaps = {"CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FOWNER",
                                               "CAP_FSETID",  "CAP_KILL",         "CAP_NET_BIND_SERVICE",
                                               "CAP_SETFCAP", "CAP_SETGID",       "CAP_SETPCAP",
                                               "CAP_SETUID",  "CAP_SYS_CHROOT"};

class oci_PodmanConfig : public ::testing::Test {
 protected:
  Config config = parse_config(nlohmann::json::parse(testing::kPodmanConfig));
};

TEST_F(oci_PodmanConfig, TopLevel) {
  EXPECT_EQ(config.oci_version, "1.1.0");
  EXPECT_EQ(config.root.path, "/var/lib/containers/storage/overlay/8e1f6c1b9e5d/merged");
  EXPECT_TRUE(config.root.readonly);
  EXPECT_EQ(config.hostname, "4f1e2b3c9d0a");
  EXPECT_EQ(config.domainname, "example.test");
  const std::map<std::string, std::string> annotations = {{"io.container.manager", "libpod"},
                                                          {"io.podman.annotations.autoremove", "TRUE"},
                                                          {"org.opencontainers.image.stopSignal", "15"}};
  EXPECT_EQ(config.annotations, annotations);
}

TEST_F(oci_PodmanConfig, Process) {
  ASSERT_TRUE(config.process.has_value());
  const Process& p = *config.process;
  EXPECT_TRUE(p.terminal);
  ASSERT_TRUE(p.console_size.has_value());
  EXPECT_EQ(p.console_size->height, 50u);
  EXPECT_EQ(p.console_size->width, 160u);
  EXPECT_EQ(p.user.uid, 0u);
  EXPECT_EQ(p.user.gid, 0u);
  EXPECT_EQ(p.user.umask, std::optional<uint32_t>(18));
  EXPECT_EQ(p.user.additional_gids, (std::vector<uint32_t>{0, 1, 2, 3, 4, 6, 10, 11, 20, 26, 27}));
  EXPECT_EQ(p.user.username, "");
  EXPECT_EQ(p.args, std::vector<std::string>{"sh"});
  EXPECT_EQ(p.env, (std::vector<std::string>{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                             "TERM=xterm", "container=podman", "HOME=/root",
                                             "HOSTNAME=4f1e2b3c9d0a"}));
  EXPECT_EQ(p.cwd, "/");
  ASSERT_TRUE(p.capabilities.has_value());
  EXPECT_EQ(p.capabilities->bounding, kDefaultCaps);
  EXPECT_EQ(p.capabilities->effective, kDefaultCaps);
  EXPECT_EQ(p.capabilities->permitted, kDefaultCaps);
  EXPECT_TRUE(p.capabilities->inheritable.empty());
  EXPECT_EQ(p.capabilities->ambient, std::vector<std::string>{"CAP_NET_BIND_SERVICE"});
  ASSERT_EQ(p.rlimits.size(), 3u);
  EXPECT_EQ(p.rlimits[0], (Rlimit{"RLIMIT_NOFILE", RLIMIT_NOFILE, 1024, 1048576}));
  EXPECT_EQ(p.rlimits[1], (Rlimit{"RLIMIT_NPROC", RLIMIT_NPROC, 4194304, 4194304}));
  // RLIM_INFINITY is the largest 64-bit value: it must survive as an unsigned number.
  EXPECT_EQ(p.rlimits[2], (Rlimit{"RLIMIT_CORE", RLIMIT_CORE, UINT64_MAX, UINT64_MAX}));
  EXPECT_TRUE(p.no_new_privileges);
  EXPECT_EQ(p.oom_score_adj, std::optional<int>(-500));
  EXPECT_EQ(p.apparmor_profile, "containers-default-0.57.4");
  EXPECT_EQ(p.selinux_label, "system_u:system_r:container_t:s0:c374,c815");
}

TEST_F(oci_PodmanConfig, Mounts) {
  ASSERT_EQ(config.mounts.size(), 9u);
  EXPECT_EQ(config.mounts[0], (Mount{"/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}}));
  EXPECT_EQ(config.mounts[1], (Mount{"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}}));
  EXPECT_EQ(config.mounts[2], (Mount{"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}}));
  EXPECT_EQ(config.mounts[3],
            (Mount{"/dev/pts", "devpts", "devpts", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}}));
  EXPECT_EQ(config.mounts[4], (Mount{"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}}));
  EXPECT_EQ(config.mounts[5], (Mount{"/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}}));
  EXPECT_EQ(config.mounts[6], (Mount{"/etc/hostname", "bind",
                                     "/run/containers/storage/overlay-containers/4f1e2b3c9d0a/userdata/hostname",
                                     {"bind", "rprivate"}}));
  EXPECT_EQ(config.mounts[7],
            (Mount{"/sys/fs/cgroup", "cgroup", "cgroup", {"rprivate", "nosuid", "noexec", "nodev", "relatime", "ro"}}));
  // No type: a bind mount, which the spec allows without one.
  EXPECT_EQ(config.mounts[8], (Mount{"/tmp", "", "/var/tmp/scratch", {"rbind", "rw", "tmpcopyup"}}));
}

TEST_F(oci_PodmanConfig, Hooks) {
  ASSERT_EQ(config.hooks.create_runtime.size(), 1u);
  EXPECT_EQ(config.hooks.create_runtime[0], (Hook{"/usr/bin/nvidia-container-runtime-hook",
                                                  {"nvidia-container-runtime-hook", "prestart"},
                                                  {"LANG=C"},
                                                  10}));
  ASSERT_EQ(config.hooks.poststop.size(), 1u);
  EXPECT_EQ(config.hooks.poststop[0], (Hook{"/usr/libexec/podman/cleanup", {}, {}, std::nullopt}));
  EXPECT_TRUE(config.hooks.prestart.empty());
  EXPECT_TRUE(config.hooks.create_container.empty());
  EXPECT_TRUE(config.hooks.start_container.empty());
  EXPECT_TRUE(config.hooks.poststart.empty());
}

TEST_F(oci_PodmanConfig, LinuxNamespacesMappingsDevices) {
  const Linux& l = config.linux;
  EXPECT_EQ(l.namespaces, (std::vector<Namespace>{{"pid", ""},
                                                   {"network", "/run/user/1000/netns/netns-5b1a"},
                                                   {"ipc", ""},
                                                   {"uts", ""},
                                                   {"mount", ""},
                                                   {"user", ""},
                                                   {"cgroup", ""}}));
  const std::vector<IdMapping> mappings = {{0, 1000, 1}, {1, 100000, 65536}};
  EXPECT_EQ(l.uid_mappings, mappings);
  EXPECT_EQ(l.gid_mappings, mappings);
  ASSERT_EQ(l.devices.size(), 1u);
  EXPECT_EQ(l.devices[0], (Device{"/dev/fuse", "c", 10, 229, 438u, 0u, 0u}));
  EXPECT_EQ(l.sysctl, (std::map<std::string, std::string>{{"net.ipv4.ping_group_range", "0 0"}}));
  EXPECT_EQ(l.cgroups_path, "user.slice:libpod:4f1e2b3c9d0a");
  EXPECT_EQ(l.rootfs_propagation, "rslave");
  EXPECT_EQ(l.mount_label, "system_u:object_r:container_file_t:s0:c374,c815");
}

TEST_F(oci_PodmanConfig, LinuxResources) {
  const Resources& r = config.linux.resources;
  EXPECT_EQ(r.memory.limit, std::optional<int64_t>(536870912));
  EXPECT_EQ(r.memory.reservation, std::optional<int64_t>(268435456));
  EXPECT_EQ(r.memory.swap, std::optional<int64_t>(-1));
  EXPECT_EQ(r.cpu.shares, std::optional<uint64_t>(1024));
  EXPECT_EQ(r.cpu.quota, std::optional<int64_t>(50000));
  EXPECT_EQ(r.cpu.period, std::optional<uint64_t>(100000));
  EXPECT_EQ(r.cpu.cpus, "0-1");
  EXPECT_EQ(r.cpu.mems, "0");
  EXPECT_EQ(r.pids_limit, std::optional<int64_t>(2048));
}

TEST_F(oci_PodmanConfig, LinuxSeccomp) {
  ASSERT_TRUE(config.linux.seccomp.has_value());
  const Seccomp& s = *config.linux.seccomp;
  EXPECT_EQ(s.default_action, "SCMP_ACT_ERRNO");
  EXPECT_EQ(s.default_errno_ret, std::optional<uint32_t>(38));
  EXPECT_EQ(s.architectures, (std::vector<std::string>{"SCMP_ARCH_PPC64LE", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC"}));
  EXPECT_EQ(s.flags, std::vector<std::string>{"SECCOMP_FILTER_FLAG_SPEC_ALLOW"});
  EXPECT_EQ(s.listener_path, "");
  ASSERT_EQ(s.syscalls.size(), 6u);
  EXPECT_EQ(s.syscalls[0], (SeccompSyscall{{"bdflush", "io_pgetevents", "kexec_file_load", "kexec_load", "migrate_pages"},
                                           "SCMP_ACT_ERRNO",
                                           1u,
                                           {}}));
  EXPECT_EQ(s.syscalls[1].names.size(), 9u);
  EXPECT_EQ(s.syscalls[1].names.back(), "write");
  EXPECT_EQ(s.syscalls[1].action, "SCMP_ACT_ALLOW");
  EXPECT_EQ(s.syscalls[1].errno_ret, std::nullopt);
  EXPECT_TRUE(s.syscalls[1].args.empty());
  EXPECT_EQ(s.syscalls[2], (SeccompSyscall{{"personality"}, "SCMP_ACT_ALLOW", std::nullopt, {{0, 0, 0, "SCMP_CMP_EQ"}}}));
  EXPECT_EQ(s.syscalls[3],
            (SeccompSyscall{{"clone"}, "SCMP_ACT_ALLOW", std::nullopt, {{0, 2114060288, 0, "SCMP_CMP_MASKED_EQ"}}}));
  EXPECT_EQ(s.syscalls[4], (SeccompSyscall{{"socket"},
                                           "SCMP_ACT_ERRNO",
                                           22u,
                                           {{0, 16, 0, "SCMP_CMP_EQ"}, {2, 9, 0, "SCMP_CMP_EQ"}}}));
  EXPECT_EQ(s.syscalls[5], (SeccompSyscall{{"ptrace"}, "SCMP_ACT_LOG", std::nullopt, {}}));
}

TEST_F(oci_PodmanConfig, LinuxPathLists) {
  EXPECT_EQ(config.linux.masked_paths,
            (std::vector<std::string>{"/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                                      "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
                                      "/sys/firmware", "/sys/fs/selinux", "/sys/dev/block"}));
  EXPECT_EQ(config.linux.readonly_paths, (std::vector<std::string>{"/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq",
                                                                   "/proc/sys", "/proc/sysrq-trigger"}));
}

// runc spec's minimal document: only the required fields, every default in place.
TEST(oci_MinimalConfig, RequiredFieldsOnlyGiveDefaults) {
  const Config c = parse_config(nlohmann::json::parse(R"({"ociVersion": "1.0.2", "root": {"path": "rootfs"}})"));
  Config expected;
  expected.oci_version = "1.0.2";
  expected.root.path = "rootfs";
  EXPECT_EQ(c, expected);
  EXPECT_FALSE(c.process.has_value());
  EXPECT_FALSE(c.linux.seccomp.has_value());
}

// Go's decoder treats null as absent; podman and containerd emit null for some empty lists.
TEST(oci_MinimalConfig, NullMembersCountAsAbsent) {
  const Config c = parse_config(nlohmann::json::parse(R"({
    "ociVersion": "1.0.2", "root": {"path": "rootfs", "readonly": null}, "hostname": null, "mounts": null,
    "process": {"args": ["sh"], "cwd": "/", "env": null, "capabilities": null},
    "linux": {"namespaces": null, "seccomp": null, "resources": {"memory": {"limit": null}}}})"));
  EXPECT_EQ(c.hostname, "");
  EXPECT_TRUE(c.mounts.empty());
  ASSERT_TRUE(c.process.has_value());
  EXPECT_FALSE(c.process->capabilities.has_value());
  EXPECT_FALSE(c.linux.seccomp.has_value());
  EXPECT_FALSE(c.linux.resources.memory.limit.has_value());
}

}  // namespace
}  // namespace ppc::oci
