// conformance_variants SPEC ROOTFS OUTDIR: writes OUTDIR/NAME.json, one OCI config per variant of
// SPEC (`crun spec`'s default), each running /probe (conformance_probe) without a terminal
// over the root ROOTFS given in SPEC's place. The variants cover what a process sees of its
// set-up: user and groups, capability sets, rlimits, noNewPrivileges, seccomp, masked and
// read-only paths, mounts and their options, sysctls, hostname, cwd, env, oomScoreAdj, a
// writable root (crun's default is read-only), namespaces. tests/e2e/cases/conformance.sh
// runs each under crun and ppc-kvm-shim and compares the probe's outputs. Also written, and
// not a variant: OUTDIR/lifecycle.json, the container of the harness's lifecycle part.
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

using nlohmann::json;
using Change = std::function<void(json&)>;

json& process(json& c) { return c["process"]; }

void set_caps(json& c, const json& caps) {
  for (const char* set : {"bounding", "effective", "permitted", "inheritable", "ambient"}) {
    process(c)["capabilities"][set] = caps;
  }
}

void add_cap(json& c, const std::string& cap) {
  for (const char* set : {"bounding", "effective", "permitted"}) process(c)["capabilities"][set].push_back(cap);
}

void set_rlimit(json& c, const std::string& type, uint64_t soft, uint64_t hard) {
  json& limits = process(c)["rlimits"];
  for (json& l : limits) {
    if (l["type"] == type) {
      l["soft"] = soft;
      l["hard"] = hard;
      return;
    }
  }
  limits.push_back({{"type", type}, {"soft", soft}, {"hard", hard}});
}

void add_mount(json& c, const std::string& destination, const std::string& type, const std::string& source,
               const json& options) {
  c["mounts"].push_back({{"destination", destination}, {"type", type}, {"source", source}, {"options", options}});
}

void remove_mount(json& c, const std::string& destination) {
  json kept = json::array();
  for (const json& m : c["mounts"]) {
    if (m["destination"] != destination) kept.push_back(m);
  }
  c["mounts"] = kept;
}

void set_mount_options(json& c, const std::string& destination, const json& options) {
  for (json& m : c["mounts"]) {
    if (m["destination"] == destination) m["options"] = options;
  }
}

void remove_namespace(json& c, const std::string& type) {
  json kept = json::array();
  for (const json& n : c["linux"]["namespaces"]) {
    if (n["type"] != type) kept.push_back(n);
  }
  c["linux"]["namespaces"] = kept;
}

// Vectors, not json: a braced list of one element would become that element, not an array.
void seccomp(json& c, const std::string& default_action, const std::vector<json>& rules) {
  c["linux"]["seccomp"] = {{"defaultAction", default_action},
                           {"architectures", json::array({"SCMP_ARCH_PPC64LE"})},
                           {"syscalls", json(rules)}};
}

json errno_rule(const std::vector<std::string>& names) {
  return {{"names", json(names)}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 1}};
}

void user(json& c, int uid, int gid) {
  process(c)["user"]["uid"] = uid;
  process(c)["user"]["gid"] = gid;
}

// The bind mounts' source, made by the harness beside the bundles.
constexpr const char* kData = "/tmp/conformance/data";

using Variants = std::vector<std::pair<std::string, Change>>;

// The variants of who runs, with which capabilities.
Variants process_variants() {
  const json docker_caps = {"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
                            "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
                            "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"};
  return {
      {"default", [](json&) {}},
      {"nnp-false", [](json& c) { process(c)["noNewPrivileges"] = false; }},
      {"nnp-false-uid1000", [](json& c) { process(c)["noNewPrivileges"] = false; user(c, 1000, 1000); }},
      {"user-1000", [](json& c) { user(c, 1000, 1000); }},
      {"user-nobody", [](json& c) { user(c, 65534, 65534); }},
      {"user-unlisted", [](json& c) { user(c, 12345, 23456); }},
      {"user-groups", [](json& c) { user(c, 1000, 1000); process(c)["user"]["additionalGids"] = {10, 20, 30}; }},
      {"user-root-groups", [](json& c) { process(c)["user"]["additionalGids"] = {1, 2, 3}; }},
      {"umask-077", [](json& c) { process(c)["user"]["umask"] = 077; }},
      {"umask-0", [](json& c) { process(c)["user"]["umask"] = 0; }},
      {"caps-none", [](json& c) { set_caps(c, json::array()); }},
      {"caps-net-raw", [](json& c) { add_cap(c, "CAP_NET_RAW"); }},
      {"caps-sys-admin", [](json& c) { add_cap(c, "CAP_SYS_ADMIN"); }},
      {"caps-docker", [docker_caps](json& c) {
         for (const char* set : {"bounding", "effective", "permitted"}) process(c)["capabilities"][set] = docker_caps;
       }},
      {"caps-inheritable", [](json& c) { process(c)["capabilities"]["inheritable"] = {"CAP_KILL"}; }},
      {"caps-ambient-uid1000", [](json& c) {
         user(c, 1000, 1000);
         for (const char* set : {"inheritable", "ambient"}) process(c)["capabilities"][set] = {"CAP_NET_BIND_SERVICE"};
       }},
      {"caps-bounding-only", [docker_caps](json& c) {
         process(c)["capabilities"]["bounding"] = docker_caps;
         process(c)["capabilities"]["effective"] = json::array();
       }},
      {"caps-unset", [](json& c) { process(c).erase("capabilities"); }},
  };
}

// The variants of rlimits, seccomp.
Variants limit_variants() {
  return {
      {"rlimit-nofile-4096", [](json& c) { set_rlimit(c, "RLIMIT_NOFILE", 4096, 4096); }},
      {"rlimit-nofile-split", [](json& c) { set_rlimit(c, "RLIMIT_NOFILE", 1024, 65536); }},
      {"rlimit-nofile-low", [](json& c) { set_rlimit(c, "RLIMIT_NOFILE", 32, 32); }},
      {"rlimit-nproc", [](json& c) { set_rlimit(c, "RLIMIT_NPROC", 100, 200); }},
      {"rlimit-core", [](json& c) { set_rlimit(c, "RLIMIT_CORE", 0, 1048576); }},
      {"rlimit-stack", [](json& c) { set_rlimit(c, "RLIMIT_STACK", 4194304, 16777216); }},
      {"rlimit-memlock", [](json& c) { set_rlimit(c, "RLIMIT_MEMLOCK", 65536, 131072); }},
      {"rlimit-cpu", [](json& c) { set_rlimit(c, "RLIMIT_CPU", 100, 200); }},
      {"rlimit-fsize", [](json& c) { set_rlimit(c, "RLIMIT_FSIZE", 1048576, 2097152); }},
      {"rlimit-msgqueue", [](json& c) { set_rlimit(c, "RLIMIT_MSGQUEUE", 4096, 8192); }},
      {"rlimit-sigpending", [](json& c) { set_rlimit(c, "RLIMIT_SIGPENDING", 64, 128); }},
      {"rlimit-none", [](json& c) { process(c).erase("rlimits"); }},
      {"seccomp-errno-mkdir", [](json& c) { seccomp(c, "SCMP_ACT_ALLOW", {errno_rule({"mkdir", "mkdirat"})}); }},
      {"seccomp-kill-reboot", [](json& c) {
         seccomp(c, "SCMP_ACT_ALLOW", {json{{"names", json::array({"reboot"})}, {"action", "SCMP_ACT_KILL"}}});
       }},
      {"seccomp-nnp-false", [](json& c) {
         process(c)["noNewPrivileges"] = false;
         seccomp(c, "SCMP_ACT_ALLOW", {errno_rule({"swapon"})});
       }},
      {"seccomp-uid1000", [](json& c) { user(c, 1000, 1000); seccomp(c, "SCMP_ACT_ALLOW", {errno_rule({"swapon"})}); }},
  };
}

// The variants of paths, mounts, sysctls, identity and namespaces.
Variants filesystem_variants() {
  return {
      {"masked-none", [](json& c) { c["linux"]["maskedPaths"] = json::array(); }},
      {"masked-extra", [](json& c) {
         c["linux"]["maskedPaths"].push_back("/etc/passwd");
         c["linux"]["maskedPaths"].push_back("/sys/kernel");
       }},
      {"readonly-none", [](json& c) { c["linux"]["readonlyPaths"] = json::array(); }},
      {"readonly-extra", [](json& c) { c["linux"]["readonlyPaths"].push_back("/etc"); }},
      {"mount-tmpfs", [](json& c) { add_mount(c, "/mnt/data", "tmpfs", "tmpfs", {"nosuid", "nodev", "noexec", "size=1m", "mode=700"}); }},
      {"mount-tmpfs-ro", [](json& c) { add_mount(c, "/mnt/data", "tmpfs", "tmpfs", {"ro", "size=64k"}); }},
      {"mount-bind-ro", [](json& c) { add_mount(c, "/mnt/data", "bind", kData, {"rbind", "ro"}); }},
      {"mount-bind-rw", [](json& c) { add_mount(c, "/mnt/data", "bind", kData, {"rbind", "rw"}); }},
      {"mount-bind-nosuid", [](json& c) { add_mount(c, "/mnt/data", "bind", kData, {"rbind", "nosuid", "nodev", "noexec"}); }},
      {"mount-bind-file", [](json& c) { add_mount(c, "/mnt/data/file", "bind", std::string(kData) + "/file", {"bind", "ro"}); }},
      {"mount-no-mqueue", [](json& c) { remove_mount(c, "/dev/mqueue"); }},
      {"mount-no-cgroup", [](json& c) { remove_mount(c, "/sys/fs/cgroup"); }},
      // The read-only root's own /dev: runc and crun make its nodes before the root turns read-only.
      {"mount-no-dev", [](json& c) { remove_mount(c, "/dev"); }},
      {"mount-sysfs-rw", [](json& c) { set_mount_options(c, "/sys", {"nosuid", "noexec", "nodev"}); }},
      {"mount-shm-small", [](json& c) { set_mount_options(c, "/dev/shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=1m"}); }},
      {"mount-dev-small", [](json& c) { set_mount_options(c, "/dev", {"nosuid", "strictatime", "mode=755", "size=1024k"}); }},
      {"sysctl-shm", [](json& c) { c["linux"]["sysctl"]["kernel.shm_rmid_forced"] = "1"; }},
      {"sysctl-msgmax", [](json& c) { c["linux"]["sysctl"]["kernel.msgmax"] = "4096"; }},
      {"sysctl-port-start", [](json& c) { c["linux"]["sysctl"]["net.ipv4.ip_unprivileged_port_start"] = "0"; }},
      {"sysctl-ping", [](json& c) { c["linux"]["sysctl"]["net.ipv4.ping_group_range"] = "0 2147483647"; }},
      {"sysctl-somaxconn", [](json& c) { c["linux"]["sysctl"]["net.core.somaxconn"] = "256"; }},
      {"hostname-custom", [](json& c) { c["hostname"] = "probe-host"; }},
      {"hostname-unset", [](json& c) { c.erase("hostname"); }},
      {"domainname", [](json& c) { c["domainname"] = "example.org"; }},
      {"cwd-tmp", [](json& c) { process(c)["cwd"] = "/tmp"; }},
      {"cwd-missing", [](json& c) { process(c)["cwd"] = "/made/by/the/runtime"; }},
      {"env-extra", [](json& c) { process(c)["env"].push_back("FOO=bar"); process(c)["env"].push_back("EMPTY="); }},
      {"env-empty", [](json& c) { process(c)["env"] = json::array(); }},
      {"oom-500", [](json& c) { process(c)["oomScoreAdj"] = 500; }},
      {"oom-minus-500", [](json& c) { process(c)["oomScoreAdj"] = -500; }},
      {"root-writable", [](json& c) { c["root"]["readonly"] = false; }},
      {"ns-no-uts", [](json& c) { remove_namespace(c, "uts"); c.erase("hostname"); }},
      {"ns-no-ipc", [](json& c) { remove_namespace(c, "ipc"); }},
      {"ns-no-cgroup", [](json& c) { remove_namespace(c, "cgroup"); }},
      {"ns-no-pid", [](json& c) { remove_namespace(c, "pid"); }},
  };
}

Variants variants() {
  Variants all;
  for (Variants part : {process_variants(), limit_variants(), filesystem_variants()}) {
    for (auto& v : part) all.push_back(std::move(v));
  }
  return all;
}

// The lifecycle harness's container (not a variant): a shell that reports each signal it
// handles and waits, with host hooks that keep the state they receive on stdin as
// BUNDLE/hook-KIND.json, the bundle named by that state itself.
json lifecycle_config(json c) {
  process(c)["args"] = {"/bin/sh", "-c",
                        "for s in HUP INT USR1 USR2 TERM; do trap \"echo got-$s\" $s; done; echo ready; "
                        "while :; do sleep 1 & wait $!; done"};
  for (const char* kind : {"createRuntime", "poststart", "poststop"}) {
    const std::string keep = std::string("s=$(cat); b=$(printf %s \"$s\" | sed -n 's/.*\"bundle\" *: *\"\\([^\"]*\\)\".*/\\1/p'); "
                                         "printf %s \"$s\" > \"$b/hook-") + kind + ".json\"";
    c["hooks"][kind] = json::array({{{"path", "/bin/sh"}, {"args", {"sh", "-c", keep}}}});
  }
  return c;
}

bool write_config(const std::string& path, const json& config) {
  std::ofstream out(path);
  out << config.dump(2) << "\n";
  if (!out) std::fprintf(stderr, "conformance_variants: cannot write %s\n", path.c_str());
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: conformance_variants SPEC ROOTFS OUTDIR\n");
    return 2;
  }
  std::ifstream in(argv[1]);
  json base;
  try {
    in >> base;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "conformance_variants: %s: %s\n", argv[1], e.what());
    return 1;
  }
  base["process"]["terminal"] = false;
  base["process"]["args"] = {"/probe"};
  base["root"]["path"] = argv[2];
  for (auto& [name, change] : variants()) {
    json config = base;
    change(config);
    if (!write_config(std::string(argv[3]) + "/" + name + ".json", config)) return 1;
    std::printf("%s\n", name.c_str());
  }
  return write_config(std::string(argv[3]) + "/lifecycle.json", lifecycle_config(base)) ? 0 : 1;
}
