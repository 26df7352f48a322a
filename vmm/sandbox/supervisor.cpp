#include "sandbox/supervisor.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <exception>

#include "base/error.h"
#include "log.h"
#include "base/unique_fd.h"
#include "sandbox/privileges.h"
#include "sandbox/seccomp_filter.h"
#include "sandbox/violation_log.h"

namespace ppc::vmm {
namespace {

// The signals the VMM turns into an orderly stop, and SIGUSR2 (a stop to be saved) when it
// saves with --snapshot-to. Any other fatal signal ends the supervisor, and PDEATHSIG then
// ends the VMM.
constexpr int kForwarded[] = {SIGTERM, SIGINT, SIGHUP};

sigset_t supervised_signals(const SupervisorPlan& plan) {
  sigset_t set;
  sigemptyset(&set);
  for (const int sig : kForwarded) sigaddset(&set, sig);
  if (plan.forward_snapshot_signal) sigaddset(&set, SIGUSR2);
  sigaddset(&set, SIGCHLD);
  return set;
}

// Best effort: with --uid, the socket's directory may not let that uid remove it.
void remove_socket(const std::string& path) {
  struct stat st {};
  if (!path.empty() && ::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(path.c_str());
}

std::string describe_end(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  const int sig = WTERMSIG(status);
  const char* abbrev = sigabbrev_np(sig);
  return "was killed by signal " + std::to_string(sig) + " (SIG" + (abbrev ? abbrev : "?") + ")";
}

// The helpers still running (pid 0 once reaped).
class Helpers {
 public:
  explicit Helpers(std::vector<Helper> helpers) : helpers_(std::move(helpers)) {}

  // A child other than the VMM ended: log which one and how.
  void reaped(pid_t pid, int status) {
    for (auto& h : helpers_) {
      if (h.pid != pid) continue;
      log_line("jail: " + h.name + " (process " + std::to_string(pid) + ") " + describe_end(status));
      h.pid = 0;
      return;
    }
  }

  bool any_running() const {
    return std::any_of(helpers_.begin(), helpers_.end(), [](const Helper& h) { return h.pid > 0; });
  }

  // The VMM has ended, so the helpers' sockets are closed and they end by themselves: waits
  // for that a bounded time, reaping them. Those still running then end by PDEATHSIG.
  void wait_after_vmm(const sigset_t& chld) {
    constexpr int kWaitMs = 2000;
    for (int waited = 0; any_running() && waited < kWaitMs; waited += 100) {
      reap_ended();
      if (!any_running()) break;
      const timespec step{0, 100 * 1000 * 1000};
      ::sigtimedwait(&chld, nullptr, &step);
    }
    reap_ended();
    for (const auto& h : helpers_)
      if (h.pid > 0) log_line("jail: " + h.name + " (process " + std::to_string(h.pid) + ") still runs; it ends with us");
  }

 private:
  void reap_ended() {
    for (auto& h : helpers_) {
      int status = 0;
      if (h.pid > 0 && ::waitpid(h.pid, &status, WNOHANG) == h.pid) reaped(h.pid, status);
    }
  }

  std::vector<Helper> helpers_;
};

[[noreturn]] void end_like(int status, const SupervisorPlan& plan, Helpers& helpers) {
  remove_socket(plan.vsock_socket);
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  helpers.wait_after_vmm(chld);
  if (WIFEXITED(status)) ::_exit(WEXITSTATUS(status));
  const int sig = WTERMSIG(status);
  log_line("jail: the VMM " + describe_end(status));
  // Die the same way, so that whoever waits for us sees what happened to the VMM.
  ::signal(sig, SIG_DFL);
  sigset_t only;
  sigemptyset(&only);
  sigaddset(&only, sig);
  ::sigprocmask(SIG_UNBLOCK, &only, nullptr);
  ::raise(sig);
  ::_exit(128 + sig);
}

[[noreturn]] void supervise(pid_t child, const SupervisorPlan& plan) {
  // Nothing of the VMM's stays open or mapped here: not /dev/kvm, not the disks, not guest RAM,
  // not the container's stdio (the relay in the jailed VMM has them).
  ::close_range(STDERR_FILENO + 1, ~0U, 0);
  if (plan.release) ::munmap(plan.release, plan.release_size);
  log_line("jail: the VMM is process " + std::to_string(child) + " (pid 1 of its own pid namespace); process " +
           std::to_string(::getpid()) + " supervises it");
  try {
    drop_privileges({plan.uid, plan.gid});
    if (plan.seccomp != SeccompMode::Off) {
      set_thread_identity("supervisor", "supervisor");
      SeccompFilter(role_spec(Role::Supervisor), plan.seccomp).load();
    }
  } catch (const std::exception& e) {
    log_line(std::string("jail: supervisor: ") + e.what());
    ::kill(child, SIGKILL);
    int status;
    ::waitpid(child, &status, 0);
    ::_exit(1);
  }
  Helpers helpers(plan.helpers);
  const sigset_t set = supervised_signals(plan);
  while (true) {
    siginfo_t info;
    const int sig = ::sigwaitinfo(&set, &info);
    if (sig < 0) continue;
    if (sig != SIGCHLD) {
      if (::kill(child, sig) < 0)
        log_line("jail: forwarding signal " + std::to_string(sig) + " to the VMM: " + strerrorname_np(errno));
      continue;
    }
    // One SIGCHLD may stand for several children that ended.
    int status = 0;
    pid_t pid;
    while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
      if (pid == child) end_like(status, plan, helpers);
      helpers.reaped(pid, status);
    }
  }
}

}  // namespace

void fork_into_pid_namespace(const SupervisorPlan& plan) {
  // Blocked before the fork so that no stop signal is lost in between: the supervisor waits
  // for them, and the VMM (pid 1 of its namespace, which ignores signals it has no handler
  // for) keeps them pending until its signalfd reads them.
  const sigset_t set = supervised_signals(plan);
  if (::sigprocmask(SIG_BLOCK, &set, nullptr) < 0) throw_errno("sigprocmask");
  // The supervisor's own pid namespace, to return to after the fork (below).
  UniqueFd own_pid_ns(::open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC));
  if (!own_pid_ns.valid()) throw_errno("jail: open /proc/self/ns/pid");
  if (::unshare(CLONE_NEWPID) < 0)
    throw_errno(errno == EINVAL ? "jail: unshare the pid namespace (is CONFIG_PID_NS on in this kernel?)"
                                : "jail: unshare the pid namespace");
  const pid_t pid = ::fork();
  if (pid < 0) throw_errno("jail: fork into the new pid namespace");
  if (pid > 0) {
    // unshare() left the new namespace as the one for our next children, and Linux refuses
    // to start a thread while that differs from our own: a helper's thread could not
    // start. Back to our own.
    if (::setns(own_pid_ns.get(), CLONE_NEWPID) < 0) {
      log_line(std::string("jail: returning to the supervisor's pid namespace: ") + strerrorname_np(errno));
      ::kill(pid, SIGKILL);
      ::_exit(1);
    }
    own_pid_ns.reset();
    supervise(pid, plan);
  }
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) throw_errno("prctl PR_SET_PDEATHSIG");
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  if (::sigprocmask(SIG_UNBLOCK, &chld, nullptr) < 0) throw_errno("sigprocmask");
}

}  // namespace ppc::vmm
