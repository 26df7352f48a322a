#pragma once
// What /proc says about a host process: whether the VMM of a container still runs (its pid
// may have been reused: the start time tells), and which processes descend from it (the
// VMM's jail forks the real VMM below the pid the shim knows).
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace ppc::shim {

struct ProcStat {
  char state = '?';          // R S D T Z X ...
  pid_t ppid = 0;
  uint64_t start_time = 0;   // clock ticks after boot (field 22)
};

// nullopt when the process does not exist (or /proc cannot tell).
std::optional<ProcStat> read_proc_stat(pid_t pid);

// The process exists, is not a zombie, and started at start_time (0, unknown, is never ours).
bool process_running(pid_t pid, uint64_t start_time);

// pid and all its descendants (parents first), found through the parent pid of every
// process in /proc (no CONFIG_PROC_CHILDREN needed). Empty if pid does not exist.
std::vector<pid_t> process_tree(pid_t pid);

}  // namespace ppc::shim
