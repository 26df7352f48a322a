#pragma once
// As PID 1 the agent must reap every child: the processes it starts and the orphans the
// kernel hands it. One thread waits for SIGCHLD through a signalfd and reaps them all; the
// statuses of the processes the agent started are kept for whoever waits on them, the rest
// are dropped.
#include <sys/types.h>

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "base/unique_fd.h"

namespace ppc::agent {

class ChildReaper {
 public:
  // Blocks SIGCHLD (and SIGPIPE) in the calling thread. Call in main before any other
  // thread starts, so every thread inherits the mask and only the signalfd sees SIGCHLD.
  static void block_signals();

  void start();

  // Runs do_fork (which forks and returns the child's pid in the parent) so that the child
  // is watched before the reaper can see it end: its status is then kept until forget().
  // Throws Error once refuse_new_children() was called.
  pid_t fork_watched(const std::function<pid_t()>& do_fork);
  // For the power-off: no fork_watched() forks after this returns.
  void refuse_new_children();
  // The raw wait status of a watched child, waiting for it to end.
  // Throws Error when the child is not watched, or is forgotten meanwhile.
  int wait(pid_t pid);
  std::optional<int> exit_status(pid_t pid);
  void forget(pid_t pid);

 private:
  void reap_loop();

  UniqueFd signal_fd_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable exited_;
  std::map<pid_t, std::optional<int>> watched_;
  bool refusing_ = false;
};

// The status a shell reports for a raw wait status: the exit code, or 128 + signal.
int shell_status(int wait_status);

}  // namespace ppc::agent
