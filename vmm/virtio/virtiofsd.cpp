#include "virtio/virtiofsd.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/error.h"
#include "cgroup_procs.h"
#include "config_error.h"

extern char** environ;

namespace ppc::vmm {
namespace {

// In the child, where fds are placed by number.
constexpr int kChildListenFd = 3;
constexpr int kChildErrorFd = 4;  // close-on-exec: carries exec's errno back, or closes at exec

void check_program(const std::string& program) {
  struct stat st {};
  if (::stat(program.c_str(), &st) < 0) throw ConfigError("--virtiofsd " + program + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw ConfigError("--virtiofsd " + program + ": not a regular file");
  if (::access(program.c_str(), X_OK) < 0) throw ConfigError("--virtiofsd " + program + ": not executable");
}

UniqueFd unix_socket() {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) throw_errno("virtiofsd socket");
  return fd;
}

// A listening socket under an abstract name the kernel picks (autobind), and a socket
// already connected to it.
std::pair<UniqueFd, UniqueFd> connected_pair_through_listener() {
  UniqueFd listener = unix_socket();
  const sa_family_t family = AF_UNIX;
  if (::bind(listener.get(), reinterpret_cast<const sockaddr*>(&family), sizeof family) < 0)
    throw_errno("virtiofsd socket: bind to an abstract name");
  if (::listen(listener.get(), 1) < 0) throw_errno("virtiofsd socket: listen");
  sockaddr_un addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len) < 0) throw_errno("virtiofsd socket: getsockname");
  UniqueFd client = unix_socket();
  if (::connect(client.get(), reinterpret_cast<const sockaddr*>(&addr), len) < 0) throw_errno("virtiofsd socket: connect");
  return {std::move(listener), std::move(client)};
}

// What the child was doing when it failed, sent back with errno.
enum class ChildStep : int { kPrepare, kJoinCgroup, kExec };
struct ChildFailure {
  ChildStep step;
  int err;
};

// Between fork and exec: only async-signal-safe calls. Never returns; a failure before the
// exec sends its step and errno through error_w as a failed exec does.
[[noreturn]] void child_failed(int error_w, ChildStep step = ChildStep::kPrepare) {
  const ChildFailure failure{step, errno};
  [[maybe_unused]] ssize_t n = ::write(error_w, &failure, sizeof failure);
  ::_exit(127);
}

// The fds the child places, by their numbers in the parent (cgroup_procs: -1 for none).
struct ChildFds {
  int listener;
  int error_w;
  int null_fd;
  int cgroup_procs;
};

[[noreturn]] void exec_child(pid_t parent, ChildFds fds, char* const argv[]) {
  int listener = fds.listener, error_w = fds.error_w, null_fd = fds.null_fd;
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) child_failed(error_w);
  if (::getppid() != parent) ::_exit(127);  // the parent is gone already: so is its reader
  // Into its own cgroup ("0": the writer) before it runs a line of its own.
  if (fds.cgroup_procs >= 0 && ::write(fds.cgroup_procs, "0", 1) != 1) child_failed(error_w, ChildStep::kJoinCgroup);
  // The daemon starts as any program should: no signal blocked or ignored (the VMM ignores
  // SIGPIPE, which exec would pass on).
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);
  // Every fd we place goes out of the way of 0-4 first, then into place.
  const int moved_error = ::fcntl(error_w, F_DUPFD_CLOEXEC, 10);
  if (moved_error < 0) child_failed(error_w);
  error_w = moved_error;
  listener = ::fcntl(listener, F_DUPFD_CLOEXEC, 10);
  null_fd = ::fcntl(null_fd, F_DUPFD_CLOEXEC, 10);
  if (listener < 0 || null_fd < 0) child_failed(error_w);
  if (::dup2(null_fd, STDIN_FILENO) < 0 || ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0 ||
      ::dup2(listener, kChildListenFd) < 0 || ::dup3(error_w, kChildErrorFd, O_CLOEXEC) < 0)
    child_failed(error_w);
  error_w = kChildErrorFd;
  ::close_range(kChildErrorFd + 1, ~0U, 0);
  ::execve(argv[0], argv, environ);
  child_failed(error_w, ChildStep::kExec);
}

// Why the child did not reach exec, as the error start_virtiofsd throws.
std::string child_failure_message(const VirtiofsdConfig& config, ssize_t n, const ChildFailure& failure) {
  if (n != sizeof failure) return "its process failed before exec";
  const std::string reason = std::strerror(failure.err);
  if (failure.step == ChildStep::kJoinCgroup) return "joining --virtiofsd-cgroup " + config.cgroup + ": " + reason;
  return reason;
}

}  // namespace

std::vector<std::string> virtiofsd_arguments(const VirtiofsdConfig& config, int listen_fd) {
  return {config.program,
          "--fd=" + std::to_string(listen_fd),
          "-o", "source=" + config.shared_dir,
          "-o", "cache=auto",
          "-o", "announce_submounts",
          "-o", "xattr",
          "-o", "log_level=warn",
          "--thread-pool-size=1",
          // The daemon keeps an fd per inode the guest knows and per file it opens, and would
          // raise its own limit to a million: the guest decides how many, so bound them.
          "--rlimit-nofile=" + std::to_string(kVirtiofsdMaxFiles)};
}

Virtiofsd start_virtiofsd(const VirtiofsdConfig& config) {
  check_program(config.program);
  auto [listener, client] = connected_pair_through_listener();

  std::vector<std::string> args = virtiofsd_arguments(config, kChildListenFd);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int error_pipe[2];
  if (::pipe2(error_pipe, O_CLOEXEC) < 0) throw_errno("pipe for starting virtiofsd");
  UniqueFd error_r(error_pipe[0]), error_w(error_pipe[1]);
  UniqueFd null_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!null_fd.valid()) throw_errno("open /dev/null for virtiofsd");
  UniqueFd cgroup_procs;
  if (!config.cgroup.empty()) cgroup_procs = open_cgroup_procs(config.cgroup, "--virtiofsd-cgroup");

  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork for virtiofsd");
  if (pid == 0)
    exec_child(parent, {listener.get(), error_w.get(), null_fd.get(), cgroup_procs.valid() ? cgroup_procs.get() : -1},
               argv.data());

  error_w.reset();
  ChildFailure failure{};
  ssize_t n;
  do {
    n = ::read(error_r.get(), &failure, sizeof failure);
  } while (n < 0 && errno == EINTR);
  if (n != 0) {
    // exec failed (or the child died before it): it has exited, reap it.
    int status;
    ::waitpid(pid, &status, 0);
    throw Error("starting virtiofsd " + config.program + ": " + child_failure_message(config, n, failure));
  }
  return {pid, std::move(client)};
}

}  // namespace ppc::vmm
