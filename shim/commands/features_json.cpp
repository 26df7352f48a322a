#include "commands/features_json.h"

#include <string>
#include <vector>

#include "oci/capabilities.h"
#include "vm/vm_sizing.h"

namespace ppc::shim {

const std::vector<std::string>& feature_mount_options() {
  // Every word oci::parse_mount_options knows (the rest is filesystem data for the kernel).
  static const std::vector<std::string> words = {
      "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "iversion", "lazytime", "loud",
      "mand", "noatime", "nodev", "nodiratime", "noexec", "noiversion", "nolazytime", "nomand", "norelatime",
      "nostrictatime", "nosuid", "nosymfollow", "private", "ratime", "rbind", "rdev", "rdiratime", "relatime",
      "remount", "rexec", "rnoatime", "rnodev", "rnodiratime", "rnoexec", "rnorelatime", "rnostrictatime",
      "rnosuid", "rnosymfollow", "ro", "rprivate", "rrelatime", "rro", "rrw", "rshared", "rslave", "rstrictatime",
      "rsuid", "rsymfollow", "runbindable", "rw", "shared", "silent", "slave", "strictatime", "suid", "symfollow",
      "sync", "unbindable"};
  return words;
}

const std::vector<std::string>& feature_seccomp_actions() {
  static const std::vector<std::string> v = {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
                                             "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE",
                                             "SCMP_ACT_TRAP"};
  return v;
}

const std::vector<std::string>& feature_seccomp_operators() {
  static const std::vector<std::string> v = {"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE",
                                             "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"};
  return v;
}

const std::vector<std::string>& feature_seccomp_archs() {
  // The guest is ppc64le; a profile may list others (podman's lists many), which are ignored.
  static const std::vector<std::string> v = {"SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE"};
  return v;
}

const std::vector<std::string>& feature_seccomp_flags() {
  static const std::vector<std::string> v = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                                             "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
  return v;
}

nlohmann::ordered_json features_json() {
  std::vector<std::string> capabilities;
  for (int i = 0; i <= oci::kLastCapability; ++i) capabilities.emplace_back(*oci::capability_name(i));
  nlohmann::ordered_json f;
  f["ociVersionMin"] = "1.0.0";
  f["ociVersionMax"] = "1.1.0";
  f["hooks"] = {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"};
  f["mountOptions"] = feature_mount_options();
  nlohmann::ordered_json linux;
  // user namespaces are refused by the guest agent; cgroup and time are the guest's own.
  linux["namespaces"] = {"cgroup", "ipc", "mount", "network", "pid", "time", "uts"};
  linux["capabilities"] = capabilities;
  linux["cgroup"] = {{"v1", false}, {"v2", true}, {"systemd", false}, {"systemdUser", false}, {"rdma", false}};
  linux["seccomp"] = {{"enabled", true},
                      {"actions", feature_seccomp_actions()},
                      {"operators", feature_seccomp_operators()},
                      {"archs", feature_seccomp_archs()},
                      {"knownFlags", feature_seccomp_flags()},
                      {"supportedFlags", feature_seccomp_flags()}};
  linux["apparmor"] = {{"enabled", false}};
  linux["selinux"] = {{"enabled", false}};
  linux["intelRdt"] = {{"enabled", false}};
  linux["mountExtensions"] = {{"idmap", {{"enabled", false}}}};
  f["linux"] = linux;
  f["annotations"] = {{"io.ppc-kvm.shim.vm", "every container runs in its own PowerPC KVM guest"},
                      {kAnnotationKernel, "guest kernel path (container annotation)"},
                      {kAnnotationMemory, "guest RAM, e.g. 512M (container annotation)"},
                      {kAnnotationVcpus, "vCPU count 1-16 (container annotation)"},
                      {kAnnotationVmType, "auto, hv or pr (container annotation)"}};
  return f;
}

nlohmann::ordered_json default_spec_json() {
  nlohmann::ordered_json s;
  s["ociVersion"] = "1.0.2";
  const std::vector<std::string> caps = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
  s["process"] = {{"terminal", true},
                  {"user", {{"uid", 0}, {"gid", 0}}},
                  {"args", {"sh"}},
                  {"env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"}},
                  {"cwd", "/"},
                  {"capabilities", {{"bounding", caps}, {"effective", caps}, {"permitted", caps}}},
                  {"rlimits", {{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}}},
                  {"noNewPrivileges", true}};
  s["root"] = {{"path", "rootfs"}, {"readonly", true}};
  s["hostname"] = "runc";
  s["mounts"] = nlohmann::ordered_json::array({
      {{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}},
      {{"destination", "/dev"}, {"type", "tmpfs"}, {"source", "tmpfs"}, {"options", {"nosuid", "strictatime", "mode=755", "size=65536k"}}},
      {{"destination", "/dev/pts"}, {"type", "devpts"}, {"source", "devpts"},
       {"options", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}}},
      {{"destination", "/dev/shm"}, {"type", "tmpfs"}, {"source", "shm"}, {"options", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}}},
      {{"destination", "/dev/mqueue"}, {"type", "mqueue"}, {"source", "mqueue"}, {"options", {"nosuid", "noexec", "nodev"}}},
      {{"destination", "/sys"}, {"type", "sysfs"}, {"source", "sysfs"}, {"options", {"nosuid", "noexec", "nodev", "ro"}}},
  });
  s["linux"] = {{"resources", {{"devices", {{{"allow", false}, {"access", "rwm"}}}}}},
                {"namespaces", {{{"type", "pid"}}, {{"type", "network"}}, {{"type", "ipc"}}, {{"type", "uts"}}, {{"type", "mount"}}}},
                {"maskedPaths", {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                                 "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"}},
                {"readonlyPaths", {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}}};
  return s;
}

}  // namespace ppc::shim
