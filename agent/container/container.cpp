#include "container/container.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "container/launch_error.h"
#include "container/terminal.h"
#include "init/shared_fs.h"
#include "netconf/guest_network.h"
#include "oci/parse_config.h"

namespace ppc::agent {
namespace {

using protocol::ErrorCode;

// After a process ends, a background child may keep its output open: the output ends once
// it has been silent this long.
constexpr std::chrono::milliseconds kOutputGrace{500};
// How long a freeze may take: each process stops at its next return to user space, which one
// stuck in the kernel (a dead file share) may never reach.
constexpr std::chrono::milliseconds kFreezeTimeout{10000};

// The network namespace the process is in (the container's; the agent's own when the
// container has none of its own).
UniqueFd open_netns_of(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) throw_errno(path);
  return fd;
}

}  // namespace

std::shared_ptr<GuestProcess> Container::find(const std::string& exec_id) {
  const std::lock_guard lock(mutex_);
  auto it = processes_.find(exec_id);
  if (it == processes_.end()) throw RequestFailed(ErrorCode::kNotFound, "no process with exec id \"" + exec_id + "\"");
  return it->second;
}

void Container::require_created() {
  const std::lock_guard lock(mutex_);
  if (!config_) throw RequestFailed(ErrorCode::kInvalidRequest, "no container has been created");
}

std::shared_ptr<GuestProcess> Container::create(const protocol::CreateContainer& request, pid_t sandbox) {
  {
    const std::lock_guard lock(mutex_);
    if (config_) throw RequestFailed(ErrorCode::kAlreadyExists, "container \"" + id_ + "\" exists already");
  }
  oci::Config config;
  try {
    config = oci::parse_config(request.config);
  } catch (const Error& e) {
    throw RequestFailed(ErrorCode::kInvalidRequest, std::string("config.json: ") + e.what());
  }
  if (!config.process) throw RequestFailed(ErrorCode::kInvalidRequest, "config.json: process: missing");
  if (!request.shared_fs_tag.empty()) {
    try {
      mount_shared_fs(request.shared_fs_tag);
    } catch (const Error& e) {
      throw RequestFailed(ErrorCode::kInternal, std::string("the shared file system: ") + e.what());
    }
  }
  std::unique_ptr<GuestCgroup> cgroup;
  try {
    cgroup = std::make_unique<GuestCgroup>();
  } catch (const Error& e) {
    throw RequestFailed(ErrorCode::kInternal, e.what());
  }
  LaunchRequest launch_request;
  launch_request.process = *config.process;
  launch_request.cgroup_procs = cgroup->procs_fd();
  // No process.capabilities: the container's process gets none, as crun gives it (runc
  // leaves a root process all of them; the spec is silent, and the stricter reading wins in
  // an isolation runtime). An exec without them keeps the agent's, as with both runtimes.
  if (!launch_request.process.capabilities) launch_request.process.capabilities.emplace();
  launch_request.seccomp = config.linux.seccomp;
  launch_request.container = &config;
  launch_request.hostname = request.hostname;
  launch_request.sandbox = sandbox;
  auto process = std::make_shared<GuestProcess>();
  process->exec_id = std::string(protocol::kInitExecId);
  try {
    launch_request.namespaces = namespaces_of(config, sandbox != 0);
    process->launched = launch(reaper_, launch_request);
  } catch (const LaunchError& e) {
    throw RequestFailed(ErrorCode::kExecFailed, e.what(), e.exit_status());
  } catch (const Error& e) {
    throw RequestFailed(ErrorCode::kExecFailed, e.what());
  }
  if (process->launched.terminal.valid()) process->resize = UniqueFd(::dup(process->launched.terminal.get()));
  const std::lock_guard lock(mutex_);
  config_ = std::move(config);
  cgroup_ = std::move(cgroup);
  shared_mounts_ = std::move(process->launched.shared_mounts);
  processes_[process->exec_id] = process;
  return process;
}

void Container::configure_network(const protocol::Network& request) {
  require_created();
  const std::shared_ptr<GuestProcess> init = find(std::string(protocol::kInitExecId));
  if (reaper_.exit_status(init->launched.pid)) throw RequestFailed(ErrorCode::kInvalidRequest, "the container has exited");
  try {
    const UniqueFd netns = open_netns_of(init->launched.pid);
    netconf::configure_guest_network(request, netns.get());
  } catch (const Error& e) {
    throw RequestFailed(ErrorCode::kInternal, std::string("the container's network: ") + e.what());
  }
}

void Container::start() {
  require_created();
  std::shared_ptr<GuestProcess> init = find(std::string(protocol::kInitExecId));
  if (init->started) throw RequestFailed(ErrorCode::kInvalidRequest, "the container has already been started");
  init->started = true;
  try {
    release(init->launched);
  } catch (const LaunchError& e) {
    throw RequestFailed(ErrorCode::kExecFailed, e.what(), e.exit_status());
  }
}

std::shared_ptr<GuestProcess> Container::exec(const protocol::Exec& request) {
  require_created();
  std::shared_ptr<GuestProcess> init = find(std::string(protocol::kInitExecId));
  {
    const std::lock_guard lock(mutex_);
    if (processes_.count(request.exec_id)) {
      throw RequestFailed(ErrorCode::kAlreadyExists, "exec id \"" + request.exec_id + "\" is in use");
    }
  }
  if (!init->started || reaper_.exit_status(init->launched.pid)) {
    throw RequestFailed(ErrorCode::kInvalidRequest, "the container is not running");
  }
  LaunchRequest launch_request;
  try {
    launch_request.process = oci::parse_process(request.process);
  } catch (const Error& e) {
    throw RequestFailed(ErrorCode::kInvalidRequest, std::string("process: ") + e.what());
  }
  {
    const std::lock_guard lock(mutex_);
    // A process started in a frozen cgroup would freeze before it reports ready.
    if (cgroup_->frozen()) throw RequestFailed(ErrorCode::kInvalidRequest, "the container is paused");
    launch_request.seccomp = config_->linux.seccomp;
    launch_request.cgroup_procs = cgroup_->procs_fd();
  }
  launch_request.join = init->launched.pid;
  auto process = std::make_shared<GuestProcess>();
  process->exec_id = request.exec_id;
  try {
    process->launched = launch(reaper_, launch_request);
    process->started = true;
    release(process->launched);
  } catch (const LaunchError& e) {
    if (process->launched.pid > 0) {
      reaper_.wait(process->launched.pid);
      reaper_.forget(process->launched.pid);
    }
    throw RequestFailed(ErrorCode::kExecFailed, e.what(), e.exit_status());
  } catch (const Error& e) {
    throw RequestFailed(ErrorCode::kExecFailed, e.what());
  }
  if (process->launched.terminal.valid()) process->resize = UniqueFd(::dup(process->launched.terminal.get()));
  {
    const std::lock_guard lock(mutex_);
    if (!removing_) {
      processes_[process->exec_id] = process;
      return process;
    }
  }
  // The container was being removed while this process started: it goes too.
  ::kill(process->launched.pid, SIGKILL);
  reaper_.wait(process->launched.pid);
  throw RequestFailed(ErrorCode::kInvalidRequest, "container \"" + id_ + "\" is being removed");
}

void Container::signal(const protocol::Signal& request) {
  std::shared_ptr<GuestProcess> process = find(request.exec_id);
  if (reaper_.exit_status(process->launched.pid)) {
    throw RequestFailed(ErrorCode::kInvalidRequest, "process \"" + request.exec_id + "\" has exited");
  }
  if (::kill(process->launched.pid, request.signal) != 0) {
    throw RequestFailed(ErrorCode::kInternal, "kill " + std::to_string(request.signal) + ": " + std::strerror(errno));
  }
}

void Container::resize(const protocol::Resize& request) {
  std::shared_ptr<GuestProcess> process = find(request.exec_id);
  if (!process->resize.valid()) {
    throw RequestFailed(ErrorCode::kInvalidRequest, "process \"" + request.exec_id + "\" has no terminal");
  }
  set_window_size(process->resize.get(), static_cast<unsigned>(request.rows), static_cast<unsigned>(request.cols));
}

void Container::freeze(const protocol::FreezeContainer& request) {
  require_created();
  const std::shared_ptr<GuestProcess> init = find(std::string(protocol::kInitExecId));
  if (!init->started || reaper_.exit_status(init->launched.pid)) {
    throw RequestFailed(ErrorCode::kInvalidRequest, "the container is not running");
  }
  // One freeze at a time; not under mutex_, which a freeze waiting for a process would hold
  // against every other request for the container.
  const std::lock_guard lock(freeze_mutex_);
  if (cgroup_->frozen() == request.frozen) {
    throw RequestFailed(ErrorCode::kInvalidRequest, request.frozen ? "the container is paused already" : "the container is not paused");
  }
  try {
    cgroup_->set_frozen(request.frozen, kFreezeTimeout);
  } catch (const Error& e) {
    throw RequestFailed(ErrorCode::kInternal, e.what());
  }
}

protocol::Exited Container::wait(const std::string& exec_id) {
  // A created process that has not started yet is waited for too: the VMM's supervisor waits
  // from create on, and Start comes from another connection.
  std::shared_ptr<GuestProcess> process = find(exec_id);
  const int status = reaper_.wait(process->launched.pid);
  for (auto& sender : process->senders) sender->source_writer_exited(kOutputGrace);
  for (auto& done : process->senders_done) done.wait();
  return protocol::Exited{id_, exec_id, shell_status(status), WIFSIGNALED(status) != 0};
}

pid_t Container::running_init_pid() {
  require_created();
  const std::shared_ptr<GuestProcess> init = find(std::string(protocol::kInitExecId));
  if (reaper_.exit_status(init->launched.pid)) {
    throw RequestFailed(ErrorCode::kInvalidRequest, "container \"" + id_ + "\" has exited");
  }
  return init->launched.pid;
}

void Container::end_processes() {
  std::map<std::string, std::shared_ptr<GuestProcess>> processes;
  {
    const std::lock_guard lock(mutex_);
    const auto init = processes_.find(std::string(protocol::kInitExecId));
    if (init != processes_.end() && !reaper_.exit_status(init->second->launched.pid)) {
      throw RequestFailed(ErrorCode::kInvalidRequest, "container \"" + id_ + "\" is running");
    }
    removing_ = true;
    processes = processes_;
  }
  // The pids stay watched: a Wait on another connection still gets its Exited, and a pid the
  // guest reuses is never mistaken for one of these.
  for (const auto& [exec_id, process] : processes) {
    if (!reaper_.exit_status(process->launched.pid)) ::kill(process->launched.pid, SIGKILL);
    reaper_.wait(process->launched.pid);
  }
}

}  // namespace ppc::agent
