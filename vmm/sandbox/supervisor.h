#pragma once
// The jail's pid namespace. A process cannot move itself into a new pid namespace, only its
// children: the VMM forks once, the child (pid 1 of the new namespace) goes on to become the
// VMM, and the parent stays behind as a small supervisor whose pid is the one callers know
// (the shim's pid file, conmon, `$!`). The supervisor forwards stop signals to the VMM and
// ends exactly as the VMM ended: the same exit code, or death by the same signal (SIGSYS for
// a seccomp kill). If the supervisor itself is killed, the VMM gets SIGKILL (PDEATHSIG).
// Helper processes the VMM started before the fork (virtiofsd) are the supervisor's children
// too: it reaps them and waits for them before it ends.
#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/sandbox_config.h"

namespace ppc::vmm {

struct SupervisorPlan {
  SeccompMode seccomp = SeccompMode::Kill;  // Off: the supervisor runs unfiltered
  // The VMM's --uid/--gid, which the supervisor takes too: signals need a matching uid once
  // no capability is left, and it needs nothing more.
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  std::string vsock_socket;  // removed after the VMM's exit (the jailed VMM cannot); empty: none
  void* release = nullptr;   // memory the supervisor gives back at once (its copy of guest RAM)
  size_t release_size = 0;
  // Our other children (virtiofsd): reaped when they end, their end logged, never mistaken
  // for the VMM's; once the VMM has ended they get a moment to end too (they end when the
  // VMM's end of their socket closes), then PDEATHSIG ends them with us.
  std::vector<Helper> helpers;
  bool forward_snapshot_signal = false;  // SIGUSR2 goes to the VMM (--snapshot-to)
};

// Forks into a new pid namespace. Returns in the child; the parent never returns.
// Throws Error (in the only process there is) when the namespace or the fork fails.
void fork_into_pid_namespace(const SupervisorPlan& plan);

}  // namespace ppc::vmm
