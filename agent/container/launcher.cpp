#include "container/launcher.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <future>
#include <thread>

#include "base/error.h"
#include "container/child_channel.h"
#include "container/executable.h"
#include "container/guest_cgroup.h"
#include "container/launch_error.h"
#include "container/process_setup.h"
#include "container/rootfs_setup.h"
#include "container/terminal.h"
#include "init/loopback.h"
#include "log.h"

namespace ppc::agent {
namespace {

struct Pipe {
  UniqueFd read, write;
};

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe2");
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

UniqueFd open_namespace(pid_t pid, const char* name) {
  const std::string path = "/proc/" + std::to_string(pid) + "/ns/" + name;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) throw_errno("the container is not running (" + path + ")");
  return fd;
}

void reset_signals() {
  sigset_t all;
  sigemptyset(&all);
  ::sigprocmask(SIG_SETMASK, &all, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
}

struct ChildFds {
  int channel;
  int stdin_fd, stdout_fd, stderr_fd;  // -1 with a terminal
  UniqueFd mnt, uts, ipc, net, cgroup;  // to join (later processes)
};

// Returns the container's mounts from the share to hand to the agent (setup_container_root).
std::vector<UniqueFd> enter_namespaces(const LaunchRequest& request, ChildFds& fds) {
  if (request.container != nullptr) {
    // The sandbox's first (fds hold those kSandbox asks for), then the new ones.
    for (UniqueFd* fd : {&fds.uts, &fds.ipc, &fds.net}) {
      if (fd->valid() && ::setns(fd->get(), 0) != 0) throw_errno("joining the sandbox's namespaces");
    }
    const Namespaces& ns = request.namespaces;
    int flags = CLONE_NEWNS;
    if (request.cgroup_procs >= 0) flags |= CLONE_NEWCGROUP;
    if (ns.uts == NamespaceSource::kNew) flags |= CLONE_NEWUTS;
    if (ns.ipc == NamespaceSource::kNew) flags |= CLONE_NEWIPC;
    if (ns.net == NamespaceSource::kNew) flags |= CLONE_NEWNET;
    if (::unshare(flags) != 0) throw_errno("unshare the container's namespaces");
    // lo up here, in the namespace just made: from outside, the agent needed a thread to
    // enter it and a netlink socket there (30 to 80 ms of each create in the rig's L1).
    if (ns.net == NamespaceSource::kNew) with_context("the container's loopback", [] { bring_up_loopback(); });
    // A pod's names are its sandbox's: a later container sharing them leaves them alone.
    const bool own_names = ns.uts != NamespaceSource::kSandbox;
    if (own_names && !request.hostname.empty() && ::sethostname(request.hostname.data(), request.hostname.size()) != 0) {
      throw_errno("hostname");
    }
    const std::string& domainname = request.container->domainname;
    if (own_names && !domainname.empty() && ::setdomainname(domainname.data(), domainname.size()) != 0) {
      throw_errno("domainname");
    }
    return setup_container_root(*request.container);
  }
  for (UniqueFd* fd : {&fds.uts, &fds.ipc, &fds.net, &fds.cgroup, &fds.mnt}) {
    if (fd->valid() && ::setns(fd->get(), 0) != 0) throw_errno("joining the container's namespaces");
  }
  if (::chdir("/") != 0) throw_errno("chdir /");
  return {};
}

[[noreturn]] void child_main(const LaunchRequest& request, ChildFds& fds) {
  try {
    reset_signals();
    if (::setsid() < 0) throw_errno("setsid");
    if (request.cgroup_procs >= 0) join_cgroup(request.cgroup_procs);
    for (const UniqueFd& mount : enter_namespaces(request, fds)) report_shared_mount(fds.channel, mount.get());
    if (request.process.terminal) {
      UniqueFd master = open_container_terminal(request.process.console_size);
      report_terminal(fds.channel, master.get());
    } else {
      const int ends[3] = {fds.stdin_fd, fds.stdout_fd, fds.stderr_fd};
      for (int i = 0; i < 3; ++i) {
        if (::dup2(ends[i], i) < 0) throw_errno("dup2 stdio");
      }
    }
    // Found now, so that create fails for a missing executable as runc's does; looked up
    // again at exec, as the process's user.
    find_executable(request.process.args.at(0), request.process.env);
    report_ready(fds.channel);
    if (!wait_for_start(fds.channel)) ::_exit(1);
    // Nothing the agent holds may leak into the container: the channel closes on exec too,
    // which tells the agent the exec succeeded.
    ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    exec_process(request.process, request.seccomp);
  } catch (const LaunchError& e) {
    report_error(fds.channel, e.exit_status(), e.what());
    ::_exit(e.exit_status());
  } catch (const std::exception& e) {
    report_error(fds.channel, 1, e.what());
    ::_exit(1);
  }
}

// Forks from a short-lived thread: a new or joined pid namespace applies to the children
// of the thread that asked for it, and the agent's other threads must stay where they are.
pid_t fork_child(ChildReaper& reaper, const LaunchRequest& request, ChildFds& fds) {
  UniqueFd pid_ns;
  if (request.join != 0) pid_ns = open_namespace(request.join, "pid");
  if (request.container != nullptr && request.namespaces.pid == NamespaceSource::kSandbox) {
    pid_ns = open_namespace(request.sandbox, "pid");
  }
  std::promise<pid_t> result;
  std::thread forker([&] {
    try {
      if (request.container != nullptr && request.namespaces.pid == NamespaceSource::kNew &&
          ::unshare(CLONE_NEWPID) != 0) {
        throw_errno("unshare the pid namespace");
      }
      if (pid_ns.valid() && ::setns(pid_ns.get(), CLONE_NEWPID) != 0) throw_errno("joining the pid namespace");
      const pid_t pid = reaper.fork_watched([&] {
        const pid_t p = ::fork();
        if (p == 0) child_main(request, fds);
        return p;
      });
      if (pid < 0) throw_errno("fork");
      result.set_value(pid);
    } catch (...) {
      result.set_exception(std::current_exception());
    }
  });
  forker.join();
  return result.get_future().get();
}

// A later process's namespaces: the first process's mount namespace, and its uts, ipc, net
// and cgroup where it has its own (those it did not ask for are the agent's, which the child
// is in already).
void open_joined_namespaces(pid_t first, ChildFds& fds) {
  fds.mnt = open_namespace(first, "mnt");
  auto differs = [&](const char* name) {
    UniqueFd theirs = open_namespace(first, name);
    struct stat a {}, b {};
    const std::string mine = std::string("/proc/self/ns/") + name;
    if (::fstat(theirs.get(), &a) != 0 || ::stat(mine.c_str(), &b) != 0) throw_errno("comparing namespaces");
    return a.st_ino != b.st_ino ? std::move(theirs) : UniqueFd();
  };
  fds.uts = differs("uts");
  fds.ipc = differs("ipc");
  fds.net = differs("net");
  fds.cgroup = differs("cgroup");
}

// A later container's namespaces that are its sandbox's (a pod's network, IPC, UTS).
void open_sandbox_namespaces(const LaunchRequest& request, ChildFds& fds) {
  const Namespaces& ns = request.namespaces;
  if (ns.uts == NamespaceSource::kSandbox) fds.uts = open_namespace(request.sandbox, "uts");
  if (ns.ipc == NamespaceSource::kSandbox) fds.ipc = open_namespace(request.sandbox, "ipc");
  if (ns.net == NamespaceSource::kSandbox) fds.net = open_namespace(request.sandbox, "net");
}

}  // namespace

Namespaces namespaces_of(const oci::Config& config, bool has_sandbox) {
  Namespaces ns;
  for (const oci::Namespace& n : config.linux.namespaces) {
    NamespaceSource source = NamespaceSource::kNew;
    if (!n.path.empty() && has_sandbox) {
      source = NamespaceSource::kSandbox;
    } else if (!n.path.empty()) {
      log_line("linux.namespaces: " + n.type + " namespace path " + n.path +
               " is a host path; the container gets a new namespace in the guest");
    }
    if (n.type == "pid") ns.pid = source;
    else if (n.type == "uts") ns.uts = source;
    else if (n.type == "ipc") ns.ipc = source;
    else if (n.type == "network") ns.net = source;
    else if (n.type == "user") throw Error("linux.namespaces: user namespaces are not supported in the guest");
    // mount: always new; cgroup and time: the guest's own are the container's.
  }
  return ns;
}

LaunchedProcess launch(ChildReaper& reaper, const LaunchRequest& request) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) throw_errno("socketpair");
  UniqueFd agent_end(pair[0]), child_end(pair[1]);

  LaunchedProcess launched;
  ChildFds fds{child_end.get(), -1, -1, -1, {}, {}, {}, {}, {}};
  Pipe in, out, err;
  if (!request.process.terminal) {
    in = make_pipe();
    out = make_pipe();
    err = make_pipe();
    fds.stdin_fd = in.read.get();
    fds.stdout_fd = out.write.get();
    fds.stderr_fd = err.write.get();
  }
  if (request.join != 0) open_joined_namespaces(request.join, fds);
  if (request.container != nullptr) open_sandbox_namespaces(request, fds);

  launched.pid = fork_child(reaper, request, fds);
  child_end.reset();
  launched.channel = std::move(agent_end);
  launched.stdin_fd = std::move(in.write);
  launched.stdout_fd = std::move(out.read);
  launched.stderr_fd = std::move(err.read);

  try {
    for (;;) {
      ChildReport report = read_report(launched.channel.get());
      switch (report.kind) {
        case ChildReport::Kind::kTerminal:
          launched.terminal = std::move(report.terminal);
          continue;
        case ChildReport::Kind::kSharedMount:
          launched.shared_mounts.push_back(std::move(report.mount));
          continue;
        case ChildReport::Kind::kReady:
          return launched;
        case ChildReport::Kind::kError:
          throw LaunchError(report.message, report.exit_status);
        case ChildReport::Kind::kExecuted:
          throw LaunchError("the process ended while being set up", 1);
      }
    }
  } catch (...) {
    // Nothing half-started stays behind: the child goes and is reaped.
    ::kill(launched.pid, SIGKILL);
    reaper.wait(launched.pid);
    reaper.forget(launched.pid);
    throw;
  }
}

void release(LaunchedProcess& process) {
  send_start(process.channel.get());
  ChildReport report = read_report(process.channel.get());
  process.channel.reset();
  if (report.kind == ChildReport::Kind::kError) throw LaunchError(report.message, report.exit_status);
  if (report.kind != ChildReport::Kind::kExecuted) throw LaunchError("the process sent an unexpected report", 1);
}

}  // namespace ppc::agent
