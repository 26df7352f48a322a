#include "init/child_reaper.h"

#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "base/error.h"
#include "log.h"

namespace ppc::agent {

void ChildReaper::block_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGPIPE);
  if (::pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0) throw Error("pthread_sigmask failed");
}

void ChildReaper::start() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  signal_fd_ = UniqueFd(::signalfd(-1, &set, SFD_CLOEXEC));
  if (!signal_fd_.valid()) throw_errno("signalfd SIGCHLD");
  thread_ = std::thread([this] { reap_loop(); });
  thread_.detach();  // lives as long as PID 1
}

void ChildReaper::reap_loop() {
  for (;;) {
    signalfd_siginfo info;
    const ssize_t n = ::read(signal_fd_.get(), &info, sizeof info);
    if (n < 0 && errno != EINTR) {
      log_line("reaper: reading the signalfd failed; children will be reaped on the next SIGCHLD");
    }
    // One SIGCHLD may stand for many children: reap until none is left.
    for (;;) {
      int status = 0;
      const pid_t pid = ::waitpid(-1, &status, WNOHANG | __WALL);
      if (pid <= 0) break;
      const std::lock_guard lock(mutex_);
      auto it = watched_.find(pid);
      if (it != watched_.end()) {
        it->second = status;
        exited_.notify_all();
      }
    }
  }
}

pid_t ChildReaper::fork_watched(const std::function<pid_t()>& do_fork) {
  // Holding the lock across the fork: the reaper cannot file the child's status as an
  // orphan's before it is watched.
  const std::lock_guard lock(mutex_);
  if (refusing_) throw Error("the guest is powering off");
  const pid_t pid = do_fork();
  if (pid > 0) watched_[pid] = std::nullopt;
  return pid;
}

void ChildReaper::refuse_new_children() {
  const std::lock_guard lock(mutex_);
  refusing_ = true;
}

int ChildReaper::wait(pid_t pid) {
  std::unique_lock lock(mutex_);
  const auto gone = [&] { return "reaper: pid " + std::to_string(pid) + " is not watched"; };
  if (!watched_.count(pid)) throw Error(gone());
  // Looked up again at every wake-up: forget() may erase the entry while this waits.
  exited_.wait(lock, [&] {
    auto it = watched_.find(pid);
    return it == watched_.end() || it->second.has_value();
  });
  auto it = watched_.find(pid);
  if (it == watched_.end()) throw Error(gone());
  return *it->second;
}

std::optional<int> ChildReaper::exit_status(pid_t pid) {
  const std::lock_guard lock(mutex_);
  auto it = watched_.find(pid);
  return it == watched_.end() ? std::nullopt : it->second;
}

void ChildReaper::forget(pid_t pid) {
  {
    const std::lock_guard lock(mutex_);
    watched_.erase(pid);
  }
  exited_.notify_all();
}

int shell_status(int wait_status) {
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return WEXITSTATUS(wait_status);
}

}  // namespace ppc::agent
