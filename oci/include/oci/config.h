#pragma once
// The OCI runtime-spec config.json as plain C++ values: the subset this runtime acts on.
// Field names are the spec's, in snake_case. Everything here has been validated by
// parse_config/parse_process (parse_config.h) when it came from JSON; fields the spec
// defines and this runtime ignores (blockIO, hugepageLimits, personality, scheduler, ...)
// are not represented and are skipped when parsing.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

// `Config::linux` is the spec's name; in GNU mode (-std=gnu++20) `linux` is a predefined
// macro and would silently become `1`. The project builds with -std=c++20.
#if defined(linux)
#error "oci/config.h needs standard C++ (-std=c++20): 'linux' is a macro under -std=gnu++*"
#endif

namespace ppc::oci {

struct User {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::optional<uint32_t> umask;
  std::vector<uint32_t> additional_gids;
  std::string username;
  friend bool operator==(const User&, const User&) = default;
};

struct ConsoleSize {
  uint32_t height = 0;
  uint32_t width = 0;
  friend bool operator==(const ConsoleSize&, const ConsoleSize&) = default;
};

struct Rlimit {
  std::string type;   // "RLIMIT_NOFILE"
  int resource = 0;   // RLIMIT_* number of `type` on this platform
  uint64_t soft = 0;  // RLIM_INFINITY is UINT64_MAX
  uint64_t hard = 0;
  friend bool operator==(const Rlimit&, const Rlimit&) = default;
};

// Names ("CAP_KILL"), each known to capability_number().
struct Capabilities {
  std::vector<std::string> bounding, effective, inheritable, permitted, ambient;
  friend bool operator==(const Capabilities&, const Capabilities&) = default;
};

struct Process {
  bool terminal = false;
  std::optional<ConsoleSize> console_size;
  User user;
  std::vector<std::string> args;  // at least one entry
  std::vector<std::string> env;   // "KEY=value"
  std::string cwd;                // absolute
  std::optional<Capabilities> capabilities;
  std::vector<Rlimit> rlimits;
  bool no_new_privileges = false;
  std::optional<int> oom_score_adj;  // -1000..1000
  std::string apparmor_profile;
  std::string selinux_label;
  friend bool operator==(const Process&, const Process&) = default;
};

struct Root {
  std::string path;  // relative to the bundle unless absolute
  bool readonly = false;
  friend bool operator==(const Root&, const Root&) = default;
};

struct Mount {
  std::string destination;  // absolute, inside the container
  std::string type;         // may be empty (bind mounts)
  std::string source;
  std::vector<std::string> options;  // see parse_mount_options()
  friend bool operator==(const Mount&, const Mount&) = default;
};

struct Hook {
  std::string path;  // absolute
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::optional<int> timeout;  // seconds, > 0
  friend bool operator==(const Hook&, const Hook&) = default;
};

struct Hooks {
  std::vector<Hook> prestart, create_runtime, create_container, start_container, poststart, poststop;
  friend bool operator==(const Hooks&, const Hooks&) = default;
};

struct Namespace {
  std::string type;  // pid network mount ipc uts user cgroup time
  std::string path;  // empty: a new namespace; else absolute, a namespace to join
  friend bool operator==(const Namespace&, const Namespace&) = default;
};

struct IdMapping {
  uint32_t container_id = 0, host_id = 0, size = 0;
  friend bool operator==(const IdMapping&, const IdMapping&) = default;
};

struct Device {
  std::string path;  // absolute
  std::string type;  // c b u p
  int64_t major = 0, minor = 0;
  std::optional<uint32_t> file_mode;
  std::optional<uint32_t> uid, gid;
  friend bool operator==(const Device&, const Device&) = default;
};

struct SeccompArg {
  uint32_t index = 0;  // 0..5
  uint64_t value = 0;
  uint64_t value_two = 0;
  std::string op;  // SCMP_CMP_*
  friend bool operator==(const SeccompArg&, const SeccompArg&) = default;
};

struct SeccompSyscall {
  std::vector<std::string> names;  // at least one, none empty
  std::string action;              // SCMP_ACT_*
  std::optional<uint32_t> errno_ret;
  std::vector<SeccompArg> args;
  friend bool operator==(const SeccompSyscall&, const SeccompSyscall&) = default;
};

struct Seccomp {
  std::string default_action;
  std::optional<uint32_t> default_errno_ret;
  std::vector<std::string> architectures;  // SCMP_ARCH_*
  std::vector<std::string> flags;          // SECCOMP_FILTER_FLAG_*
  std::string listener_path;
  std::vector<SeccompSyscall> syscalls;
  friend bool operator==(const Seccomp&, const Seccomp&) = default;
};

struct MemoryResources {
  std::optional<int64_t> limit, reservation, swap;
  friend bool operator==(const MemoryResources&, const MemoryResources&) = default;
};

struct CpuResources {
  std::optional<uint64_t> shares;
  std::optional<int64_t> quota;
  std::optional<uint64_t> period;
  std::string cpus;
  std::string mems;
  friend bool operator==(const CpuResources&, const CpuResources&) = default;
};

struct Resources {
  MemoryResources memory;
  CpuResources cpu;
  std::optional<int64_t> pids_limit;
  friend bool operator==(const Resources&, const Resources&) = default;
};

struct Linux {
  std::vector<Namespace> namespaces;  // no type twice
  std::vector<IdMapping> uid_mappings, gid_mappings;
  std::vector<Device> devices;
  Resources resources;
  std::string cgroups_path;
  std::map<std::string, std::string> sysctl;
  std::optional<Seccomp> seccomp;
  std::vector<std::string> masked_paths, readonly_paths;  // absolute
  std::string rootfs_propagation;  // empty, or one of [r]private [r]slave [r]shared [r]unbindable
  std::string mount_label;
  friend bool operator==(const Linux&, const Linux&) = default;
};

struct Config {
  std::string oci_version;
  Root root;
  std::optional<Process> process;
  std::string hostname;
  std::string domainname;
  std::vector<Mount> mounts;
  Hooks hooks;
  std::map<std::string, std::string> annotations;
  Linux linux;
  friend bool operator==(const Config&, const Config&) = default;
};

}  // namespace ppc::oci
