#pragma once
// What the user asked of the VMM's confinement: seccomp per thread role, the privilege drop
// and the jail. Everything is on by default; --no-sandbox turns all of it off for debugging.
#include <sys/resource.h>
#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ppc::vmm {

// kill: a forbidden system call kills the whole VMM at once (SIGSYS). log: the thread traps
// first, the VMM logs the thread's role and the call's name, then dies of SIGSYS all the same
// (development). off: no filters.
enum class SeccompMode { Kill, Log, Off };

struct RlimitSetting {
  int resource;  // RLIMIT_*
  rlim_t value;  // soft and hard limit
};

// Stops the machine with an exit code and a reason for the log (the first request wins).
using StopMachine = std::function<void(int code, const std::string& reason)>;

// Work that runs beside the machine in a thread of its own under Role::Control (the
// container relay of ppc-kvm-vmm --container-request), in the VMM process: inside the jail
// (its namespaces, its empty root, its seccomp) when there is one. The jail's outer process
// only mirrors how the VMM ended.
struct Companion {
  // Starts the thread, which loads Role::Control first thing; it may stop the machine.
  std::function<void(StopMachine)> start;
  // The container's status, once it is known (waits a little for it).
  std::function<std::optional<int>()> exit_status;
  std::vector<int> keep_fds;  // fds the companion owns (ready fd, container stdio): kept open in the jail
};

// A process the VMM started for a device before the jail (virtiofsd).
struct Helper {
  pid_t pid = -1;
  std::string name;
};

struct SandboxConfig {
  bool enabled = true;  // false: no jail, no privilege drop, no seccomp (--no-sandbox)
  bool jail = true;     // new namespaces, an empty root, closed fds, rlimits (--no-jail)
  SeccompMode seccomp = SeccompMode::Kill;
  std::optional<uid_t> uid;  // switch to these ids once everything is open
  std::optional<gid_t> gid;
  std::string cgroup;                 // a cgroup v2 directory to join before the jail; empty: none
  std::vector<RlimitSetting> rlimits; // on top of the jail's defaults (core 0, nofile 4096, fsize)
  int kvm_fd = -1;                    // /dev/kvm handed in open (--kvm-fd); -1: open --kvm
  std::vector<int> keep_fds;          // inherited fds kept open on purpose (--keep-fd)
  bool forward_snapshot_signal = false;  // --snapshot-to: the jail's supervisor forwards SIGUSR2
  // Development aid for the system tests: the named thread role ("vcpu", "device", "main")
  // makes a forbidden system call right after installing its filter. Empty: none.
  std::string debug_violation;

  bool seccomp_on() const { return enabled && seccomp != SeccompMode::Off; }
  bool jail_on() const { return enabled && jail; }
};

}  // namespace ppc::vmm
