#pragma once
// The VMM's confinement, in the order the VMM meets it:
//   start()           main, before anything is opened: cgroup, inherited fds, SIGSYS logger
//   enter_jail()      Machine, once every user file and socket is open and the kernel is in
//                     guest RAM, before KVM_CREATE_VM (a VM belongs to the process that made it)
//   drop_privileges() Machine, once the VM, the vCPUs and the devices exist, before any thread
//   enter_thread()    first thing in every thread that runs guest-facing code, and in the main
//                     thread once the others have started: that role's seccomp filter
// The guest runs its first instruction only after every thread has entered its role.
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/sandbox_config.h"
#include "sandbox/syscall_roles.h"

namespace ppc::vmm {

class Sandbox {
 public:
  explicit Sandbox(SandboxConfig config) : config_(std::move(config)) {}

  const SandboxConfig& config() const { return config_; }

  // Throws ConfigError for a bad --cgroup, Error otherwise.
  void start();

  // A path the user gave, as the VMM must use it later: in the jail (whose cwd is "/") every
  // path is made absolute up front.
  std::string usable_path(const std::string& path) const;

  struct JailInputs {
    std::string vsock_socket;  // absolute; its directory stays reachable read-only. Empty: none
    void* guest_ram = nullptr; // released by the supervisor, which has no use for its copy
    size_t guest_ram_size = 0;
    // RLIMIT_FSIZE unless --rlimit sets it: room for every file the VMM writes (its console
    // file, its log, writable drives), no more.
    uint64_t file_size_limit = 0;
    // A socket another VMM serves (a pod's VM, for --join-vm): absolute; its directory stays
    // reachable read-only, and it is never removed here. Empty: none
    std::string peer_socket;
  };
  // In the jail this returns in the VMM process; the outer process becomes the supervisor and
  // never returns. Without the jail it does nothing.
  void enter_jail(const JailInputs& inputs);

  void drop_privileges();

  // A process the VMM started before the jail (virtiofsd): in the jail the supervisor is its
  // parent, reaps it when it ends, and waits a moment for it when the VMM has ended. Without
  // the jail it ends by itself once the VMM's end of its socket closes, or with the VMM.
  void add_helper(pid_t pid, std::string name) { helpers_.push_back({pid, std::move(name)}); }

  // The companion runs in the VMM process (in the jail when there is one): set before start()
  // (its fds stay open in the jail), started by Machine once privileges are dropped, before
  // the machine's own threads.
  void set_companion(Companion companion) { companion_ = std::move(companion); }
  void start_companion(StopMachine stop);
  std::optional<int> companion_exit_status() const;

  // Loads role's filter into the calling thread (label names it in --seccomp log messages),
  // then makes the forbidden call --debug-seccomp-violation asks of this role, if any.
  void enter_thread(Role role, std::string_view label);

  // One line for the log: what is on.
  std::string summary() const;

 private:
  SandboxConfig config_;
  std::vector<int> inherited_fds_;
  std::vector<Helper> helpers_;
  Companion companion_;
};

}  // namespace ppc::vmm
