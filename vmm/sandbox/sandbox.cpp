#include "sandbox/sandbox.h"

#include <malloc.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <ctime>

#include "base/error.h"
#include "log.h"
#include "sandbox/cgroup.h"
#include "sandbox/inherited_fds.h"
#include "sandbox/jail.h"
#include "sandbox/privileges.h"
#include "sandbox/rlimits.h"
#include "sandbox/precompiled_filters.h"
#include "sandbox/seccomp_filter.h"
#include "sandbox/supervisor.h"
#include "sandbox/violation_log.h"

namespace ppc::vmm {
namespace {

std::string_view mode_name(SeccompMode mode) {
  switch (mode) {
    case SeccompMode::Kill: return "kill";
    case SeccompMode::Log: return "log";
    case SeccompMode::Off: return "off";
  }
  return "?";
}

// --debug-seccomp-violation: a call no role allows, harmless should it ever run unfiltered.
void make_forbidden_call(Role role, std::string_view label) {
  const bool device = role == Role::Device;
  log_line("debug: thread '" + std::string(label) + "' makes a forbidden system call (" +
           (device ? "socket(AF_INET)" : "execve") + ") on purpose");
  if (device) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0) ::close(fd);
  } else {
    ::syscall(SYS_execve, "/", nullptr, nullptr);  // EACCES: "/" is a directory
  }
}

}  // namespace

void Sandbox::start() {
  // Placement is resource control the caller asked for, with or without the rest.
  if (!config_.cgroup.empty()) join_cgroup(config_.cgroup);
  if (!config_.enabled) return;
  // glibc reads /etc/localtime on its first time conversion, even gmtime_r (RTAS
  // get-time-of-day on a vCPU thread): load it now, while files may still be opened.
  ::tzset();
  // glibc reads /proc/sys/vm/overcommit_memory the first time it shrinks a thread's own malloc
  // arena, at any moment later; with one arena for all threads that path never runs (the
  // threads allocate little and rarely at the same time).
  ::mallopt(M_ARENA_MAX, 1);
  if (config_.jail_on()) {
    std::vector<int> keep = config_.keep_fds;
    if (config_.kvm_fd >= 0) keep.push_back(config_.kvm_fd);
    keep.insert(keep.end(), companion_.keep_fds.begin(), companion_.keep_fds.end());
    inherited_fds_ = list_inherited_fds(keep);
  }
  if (config_.seccomp_on() && config_.seccomp == SeccompMode::Log) install_violation_logger();
}

std::string Sandbox::usable_path(const std::string& path) const {
  return config_.jail_on() && !path.empty() ? absolute_path(path) : path;
}

void Sandbox::enter_jail(const JailInputs& inputs) {
  if (!config_.jail_on()) return;
  try {
    SupervisorPlan plan;
    plan.seccomp = config_.seccomp_on() ? config_.seccomp : SeccompMode::Off;
    plan.uid = config_.uid;
    plan.gid = config_.gid;
    plan.vsock_socket = inputs.vsock_socket;
    plan.release = inputs.guest_ram;
    plan.release_size = inputs.guest_ram_size;
    plan.helpers = helpers_;
    plan.forward_snapshot_signal = config_.forward_snapshot_signal;
    fork_into_pid_namespace(plan);  // from here on: the VMM, pid 1 of its namespace

    JailLayout layout;
    if (!inputs.vsock_socket.empty()) layout.reachable_dirs.push_back(parent_dir(inputs.vsock_socket));
    if (!inputs.peer_socket.empty()) layout.reachable_dirs.push_back(parent_dir(inputs.peer_socket));
    const std::string how = build_jail(layout);
    close_fds(inherited_fds_);
    // A write past RLIMIT_FSIZE then fails with EFBIG instead of killing the VMM.
    if (::signal(SIGXFSZ, SIG_IGN) == SIG_ERR) throw_errno("ignoring SIGXFSZ");
    apply_rlimits(jail_rlimits(config_.rlimits, inputs.file_size_limit));
    std::string reachable = layout.reachable_dirs.empty() ? "nothing" : "";
    for (const auto& dir : layout.reachable_dirs) reachable += (reachable.empty() ? "" : ", ") + dir + " (read-only)";
    log_line("jail: new root is an empty tmpfs (" + how + "); host paths reachable: " + reachable + "; " +
             std::to_string(inherited_fds_.size()) + " inherited fd(s) closed");
  } catch (const Error& e) {
    if (::geteuid() == 0) throw;
    throw Error(std::string(e.what()) + " (the jail needs root; --no-jail runs without it)");
  }
}

void Sandbox::drop_privileges() {
  if (!config_.enabled) return;
  ppc::vmm::drop_privileges({config_.uid, config_.gid});
  // A uid or gid change clears the parent-death signal: arm it again, so that killing the
  // supervisor (the pid callers know) still kills the VMM.
  if (config_.jail_on() && ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) throw_errno("prctl PR_SET_PDEATHSIG");
}

void Sandbox::enter_thread(Role role, std::string_view label) {
  if (config_.seccomp_on()) {
    set_thread_identity(label, role_name(role));
    with_context("thread " + std::string(label), [&] {
      if (config_.seccomp == SeccompMode::Kill) load_precompiled_filter(precompiled_filter(role));
      else SeccompFilter(role_spec(role), config_.seccomp).load();
    });
  }
  static std::atomic<bool> tripped{false};
  if (config_.debug_violation == role_name(role) && !tripped.exchange(true))
    make_forbidden_call(role, label);
}

void Sandbox::start_companion(StopMachine stop) {
  if (companion_.start) companion_.start(std::move(stop));
}

std::optional<int> Sandbox::companion_exit_status() const {
  return companion_.exit_status ? companion_.exit_status() : std::nullopt;
}

std::string Sandbox::summary() const {
  if (!config_.enabled) return "sandbox off (--no-sandbox)";
  std::string s = "sandbox: seccomp " + std::string(mode_name(config_.seccomp)) + ", jail " +
                  (config_.jail_on() ? "on" : "off") + ", " + privilege_summary();
  if (!config_.cgroup.empty()) s += ", cgroup " + config_.cgroup;
  return s;
}

}  // namespace ppc::vmm
