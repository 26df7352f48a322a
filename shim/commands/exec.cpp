// exec: one more process in a running container, with this process's stdio (or a pty whose
// master goes out over --console-socket) pumped to and from it. The exec process lives as
// long as the container's process and exits with its status; with --detach a child does
// that in the background (its pid in --pid-file, which conmon and containerd wait on).
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "agent_client/agent_session.h"
#include "base/hex.h"
#include "base/read_file.h"
#include "base/ready_line.h"
#include "cli/usage_error.h"
#include "commands/command_spec.h"
#include "commands/commands.h"
#include "commands/container_ops.h"
#include "commands/create_container.h"
#include "commands/fault_points.h"
#include "console/console_socket.h"
#include "console/pty.h"
#include "log/logger.h"
#include "oci/parse_config.h"
#include "oci/to_json.h"
#include "protocol/agent_port.h"
#include "state/atomic_file.h"

namespace ppc::shim {
namespace {

using agent_client::AgentError;
using agent_client::AgentSession;
using agent_client::connect_hybrid_vsock;

constexpr auto kConnectTimeout = std::chrono::seconds(30);
constexpr auto kResizePoll = std::chrono::milliseconds(250);

struct ExecPlan {
  std::string socket;
  std::string container_id;
  std::string exec_id;
  oci::Process process;
  std::string console_socket;
  bool detach = false;
};

std::string new_exec_id() {
  unsigned char bytes[8] = {};
  UniqueFd fd(::open("/dev/urandom", O_RDONLY | O_CLOEXEC));
  if (!fd.valid() || ::read(fd.get(), bytes, sizeof bytes) != static_cast<ssize_t>(sizeof bytes)) {
    throw_errno("read /dev/urandom");
  }
  std::string id = "exec-";
  static const char digits[] = "0123456789abcdef";
  for (const unsigned char b : bytes) {
    id += digits[b >> 4];
    id += digits[b & 15];
  }
  return id;
}

uint32_t parse_id(const std::string& text, const std::string& what) {
  char* end = nullptr;
  errno = 0;
  const unsigned long v = std::strtoul(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || v > UINT32_MAX || text[0] == '-') {
    throw UsageError(what + ": \"" + text + "\" is not a numeric id (names cannot be resolved on the host)");
  }
  return static_cast<uint32_t>(v);
}

// --process FILE as it is; else the container's own process with the command line's changes,
// as runc builds it.
oci::Process build_process(const ParsedFlags& f, const oci::Config& config) {
  if (f.has("process")) {
    const std::string path = f.value("process");
    return with_context("--process " + path, [&] {
      try {
        return oci::parse_process(nlohmann::json::parse(read_file(path)));
      } catch (const nlohmann::json::exception& e) {
        throw Error(e.what());
      }
    });
  }
  oci::Process p = config.process.value_or(oci::Process{});
  p.args.assign(f.positionals.begin() + 1, f.positionals.end());
  if (p.args.empty()) throw UsageError("exec: a command to run (or --process FILE) is needed");
  p.terminal = f.enabled("tty");
  p.console_size.reset();
  for (const std::string& e : f.values("env")) p.env.push_back(e);
  if (f.has("cwd")) p.cwd = f.value("cwd");
  if (f.has("user")) {
    const std::string user = f.value("user");
    const size_t colon = user.find(':');
    p.user.uid = parse_id(user.substr(0, colon), "--user");
    if (colon != std::string::npos) p.user.gid = parse_id(user.substr(colon + 1), "--user");
    p.user.username.clear();
  }
  for (const std::string& g : f.values("additional-gids")) p.user.additional_gids.push_back(parse_id(g, "--additional-gids"));
  if (!f.values("cap").empty()) {
    if (!p.capabilities) p.capabilities.emplace();
    for (const std::string& c : f.values("cap")) {
      p.capabilities->bounding.push_back(c);
      p.capabilities->effective.push_back(c);
      p.capabilities->permitted.push_back(c);
    }
  }
  if (f.enabled("no-new-privs")) p.no_new_privileges = true;
  if (f.has("apparmor")) p.apparmor_profile = f.value("apparmor");
  if (f.has("process-label")) p.selinux_label = f.value("process-label");
  // The command line's pieces go through the same checks as a process.json.
  return with_context("exec", [&] { return oci::parse_process(oci::to_json(p)); });
}

// Follows the size of `terminal` and tells the agent when it changes (conmon and containerd
// resize the master they hold; the slave here sees the same size).
class ResizeForwarder {
 public:
  ResizeForwarder(int terminal, std::string socket, std::string container_id, std::string exec_id)
      : terminal_(terminal), socket_(std::move(socket)), container_id_(std::move(container_id)),
        exec_id_(std::move(exec_id)) {
    last_ = window_size(terminal_).value_or(WindowSize{});
    thread_ = std::thread([this] { loop(); });
  }
  ~ResizeForwarder() {
    {
      const std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

 private:
  void loop() {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, kResizePoll, [&] { return stop_; })) {
      const auto size = window_size(terminal_);
      if (!size || (size->rows == last_.rows && size->cols == last_.cols)) continue;
      last_ = *size;
      try {
        AgentSession session(connect_hybrid_vsock(socket_, protocol::kAgentVsockPort, kConnectTimeout));
        session.request(protocol::Resize{container_id_, exec_id_, size->rows, size->cols});
      } catch (const std::exception& e) {
        logger().debug(std::string("resize: ") + e.what());
      }
    }
  }

  int terminal_;
  std::string socket_, container_id_, exec_id_;
  WindowSize last_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

UniqueFd dup_fd(int fd) {
  UniqueFd copy(::fcntl(fd, F_DUPFD_CLOEXEC, 3));
  if (!copy.valid()) throw_errno("dup");
  return copy;
}

// Starts the process and pumps its stdio until it exits; returns its status. Throws
// StatusError when the process could not be started (before on_started runs).
int exec_and_wait(ExecPlan plan, const std::function<void()>& on_started) {
  UniqueFd in, out, err;
  std::optional<PtyPair> pty;
  std::optional<RawModeGuard> raw;
  int terminal = -1;
  if (plan.process.terminal && !plan.console_socket.empty()) {
    pty = open_pty();
    make_raw(pty->slave.get());
    send_console(plan.console_socket, pty->master.get());
    pty->master.reset();
    terminal = pty->slave.get();
    in = dup_fd(terminal);
    out = dup_fd(terminal);
  } else {
    if (plan.process.terminal && ::isatty(STDIN_FILENO)) {
      raw.emplace(STDIN_FILENO);
      terminal = STDIN_FILENO;
    }
    in = dup_fd(STDIN_FILENO);
    out = dup_fd(STDOUT_FILENO);
    if (!plan.process.terminal) err = dup_fd(STDERR_FILENO);  // a terminal process has one stream
  }
  if (terminal >= 0) {
    if (const auto size = window_size(terminal)) plan.process.console_size = oci::ConsoleSize{size->rows, size->cols};
  }

  std::unique_ptr<AgentSession> session;
  try {
    session = std::make_unique<AgentSession>(connect_hybrid_vsock(plan.socket, protocol::kAgentVsockPort, kConnectTimeout));
    session->attach_output(plan.exec_id, std::move(out), std::move(err));
    session->request(protocol::Exec{plan.container_id, plan.exec_id, oci::to_json(plan.process)});
  } catch (const AgentError& e) {
    throw StatusError(e.what(), e.reply().exit_status);
  } catch (const Error& e) {
    throw StatusError(std::string("exec: ") + e.what(), 1);
  }
  on_started();
  fault_point("exec.started");
  session->attach_input(plan.exec_id, std::move(in));
  std::optional<ResizeForwarder> resizer;
  if (terminal >= 0) resizer.emplace(terminal, plan.socket, plan.container_id, plan.exec_id);
  const protocol::Message reply = session->request(protocol::Wait{plan.container_id, plan.exec_id});
  session->finish_stdio(plan.exec_id);
  return std::get<protocol::Exited>(reply).status;
}

void write_pid_file(const std::string& path, pid_t pid) {
  if (!path.empty()) write_file_atomic(path, std::to_string(pid), 0644);
}

// --detach: a child runs the process; the parent returns once the agent has started it.
int exec_detached(const ExecPlan& plan, const std::string& pid_file) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe");
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  const pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork");
  if (pid == 0) {
    read_end.reset();
    ::setsid();  // not in the caller's process group: its signals are not ours
    auto tell = [&](const std::string& line) {
      [[maybe_unused]] const ssize_t n = ::write(write_end.get(), line.data(), line.size());
      write_end.reset();
    };
    int status = 1;
    try {
      status = exec_and_wait(plan, [&] { tell(encode_ready_ok()); });
    } catch (const StatusError& e) {
      tell(encode_ready_error(e.status(), e.what()));
      status = e.status();
    } catch (const std::exception& e) {
      if (write_end.valid()) tell(encode_ready_error(1, e.what()));
      else logger().error(e.what());
    }
    ::_exit(status);
  }
  write_end.reset();
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(read_end.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  const std::optional<ReadyReport> report = decode_ready_line(text.substr(0, text.find('\n')));
  if (report && report->ok) {
    write_pid_file(pid_file, pid);
    return 0;
  }
  int wait_status;
  while (::waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
  }
  if (report) throw StatusError(report->message, report->status);
  throw Error("exec: the process that runs the exec ended without a report");
}

}  // namespace

int run_exec(Context& context, const std::vector<std::string>& args) {
  static const CommandSpec spec{
      "exec", "<container-id> <command> [args...] | --process FILE <container-id>",
      "Runs a process in a running container; exits with its status.",
      {{"console-socket", {}, true}, {"cwd", {}, true}, {"env", {"e"}, true}, {"tty", {"t"}, false},
       {"user", {"u"}, true}, {"additional-gids", {"g"}, true}, {"process", {"p"}, true}, {"detach", {"d"}, false},
       {"pid-file", {}, true}, {"process-label", {}, true}, {"apparmor", {}, true}, {"no-new-privs", {}, false},
       {"cap", {"c"}, true}, {"preserve-fds", {}, true}, {"cgroup", {}, true}, {"ignore-paused", {}, false},
       {"pidfd-socket", {}, true}},
      true, 1, SIZE_MAX};
  const auto flags = parse_command(spec, args);
  if (!flags) return 0;
  if (std::atoi(flags->value("preserve-fds", "0").c_str()) > 0) {
    throw UsageError("--preserve-fds: file descriptors cannot be passed into the container's VM");
  }
  if (flags->has("cgroup")) throw UsageError("--cgroup: the container's cgroups are inside its VM");
  if (flags->has("pidfd-socket")) throw UsageError("--pidfd-socket: the process is in a VM; there is no host pidfd for it");

  ExecPlan plan;
  std::string pid_file = flags->value("pid-file");
  if (!pid_file.empty() && pid_file.front() != '/') {
    char cwd[4096];
    if (::getcwd(cwd, sizeof cwd) != nullptr) pid_file = std::string(cwd) + "/" + pid_file;
  }
  {
    const OpenContainer open = open_container(context.store, flags->positionals[0]);
    if (open.status == Status::kStopped) throw Error("cannot exec in a stopped container");
    if (open.status == Status::kPaused && !flags->enabled("ignore-paused")) {
      throw Error("cannot exec in a paused container (use --ignore-paused to override)");
    }
    plan.process = build_process(*flags, created_config(open.container));
    plan.socket = open.container.agent_socket(open.state);
    plan.container_id = open.container.id();
  }  // unlocked: the exec may run for as long as the container does
  plan.exec_id = new_exec_id();
  plan.console_socket = flags->value("console-socket");
  plan.detach = flags->enabled("detach");
  if (plan.detach && plan.process.terminal && plan.console_socket.empty()) {
    throw UsageError("cannot allocate tty if runc will detach without setting console socket");
  }
  if (!plan.console_socket.empty() && !plan.process.terminal) {
    throw UsageError("cannot use console socket if runc will not detach or allocate tty");
  }
  if (plan.detach) return exec_detached(plan, pid_file);
  return exec_and_wait(plan, [&] { write_pid_file(pid_file, ::getpid()); });
}

}  // namespace ppc::shim
