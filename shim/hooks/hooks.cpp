#include "hooks/hooks.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "base/error.h"
#include "base/unique_fd.h"
#include "log/logger.h"

namespace ppc::shim {
namespace {

constexpr size_t kMaxShownOutput = 4096;

struct Pipe {
  UniqueFd read, write;
};

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe");
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// A hook that exits without reading its stdin must not kill us with SIGPIPE: the signal is
// blocked around the write and the one it raised consumed (the write fails with EPIPE instead).
void write_without_sigpipe(int fd, const std::string& data) {
  sigset_t pipe_signal, old;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe_signal, &old);
  const ssize_t n = ::write(fd, data.data(), data.size());
  if (n < 0 && errno == EPIPE) {
    const timespec now{0, 0};
    ::sigtimedwait(&pipe_signal, nullptr, &now);
  }
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

// Forks and executes the hook with input's read end as its stdin and output's write end as
// its stdout and stderr; closes those two ends here.
pid_t spawn_hook(const oci::Hook& hook, Pipe& input, Pipe& output) {
  std::vector<std::string> args = hook.args.empty() ? std::vector<std::string>{hook.path} : hook.args;
  std::vector<char*> argv, envp;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env = hook.env;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  const pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork");
  if (pid == 0) {
    if (::dup2(input.read.get(), 0) < 0 || ::dup2(output.write.get(), 1) < 0 || ::dup2(output.write.get(), 2) < 0) ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::execve(hook.path.c_str(), argv.data(), envp.data());
    const char* reason = ::strerror(errno);
    [[maybe_unused]] ssize_t n = ::write(2, "exec: ", 6);
    n = ::write(2, reason, std::strlen(reason));
    ::_exit(127);
  }
  input.read.reset();
  output.write.reset();
  return pid;
}

// What a hook writes to stdout and stderr, kept to its last few KiB.
class HookOutput {
 public:
  explicit HookOutput(UniqueFd fd) : fd_(std::move(fd)) {}

  int fd() const { return fd_.get(); }
  bool open() const { return open_; }

  // One read; at EOF the output counts as closed.
  void read_some() {
    char buf[4096];
    const ssize_t n = ::read(fd_.get(), buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (n <= 0) {
      open_ = false;
      return;
    }
    collected_.append(buf, static_cast<size_t>(n));
    if (collected_.size() > 2 * kMaxShownOutput) collected_.erase(0, collected_.size() - kMaxShownOutput);
  }

  // After the hook's exit: what it wrote last, without waiting for children that keep the
  // output open.
  void drain() {
    ::fcntl(fd_.get(), F_SETFL, O_NONBLOCK);
    while (open_ && collected_.size() < 4 * kMaxShownOutput) {
      const size_t before = collected_.size();
      read_some();
      if (collected_.size() == before) break;
    }
  }

  // ", output: <the last kMaxShownOutput bytes>", or "" for none.
  std::string shown() const {
    if (collected_.empty()) return "";
    const size_t skip = collected_.size() > kMaxShownOutput ? collected_.size() - kMaxShownOutput : 0;
    return ", output: " + collected_.substr(skip);
  }

 private:
  UniqueFd fd_;
  std::string collected_;
  bool open_ = true;
};

// Waits for the hook's exit while collecting its output; SIGKILLs it at its timeout (and
// throws). Returns the wait status.
int wait_hook(pid_t pid, const oci::Hook& hook, HookOutput& output) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(hook.timeout.value_or(0));
  int status = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) throw_errno("waitpid hook");
    if (hook.timeout && std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      throw Error("timed out after " + std::to_string(*hook.timeout) + " s");
    }
    if (!output.open()) {
      ::usleep(20000);
      continue;
    }
    // A hook may close its output and go on running: output and exit are watched apart.
    pollfd p{output.fd(), POLLIN, 0};
    if (::poll(&p, 1, 20) > 0) output.read_some();
  }
}

}  // namespace

void run_hook(const oci::Hook& hook, const std::string& state_json) {
  Pipe input = make_pipe();
  Pipe output = make_pipe();
  const pid_t pid = spawn_hook(hook, input, output);
  // The state is small; a hook that does not read it must not block us.
  ::fcntl(input.write.get(), F_SETFL, O_NONBLOCK);
  write_without_sigpipe(input.write.get(), state_json);
  input.write.reset();

  HookOutput collected(std::move(output.read));
  const int status = wait_hook(pid, hook, collected);
  collected.drain();
  const std::string shown = collected.shown();
  if (WIFSIGNALED(status)) throw Error("killed by signal " + std::to_string(WTERMSIG(status)) + shown);
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0) throw Error("exit status " + std::to_string(WEXITSTATUS(status)) + shown);
}

void run_hooks(std::string_view stage, const std::vector<oci::Hook>& hooks, const std::string& state_json) {
  for (size_t i = 0; i < hooks.size(); ++i) {
    with_context(std::string(stage) + " hook " + std::to_string(i) + " (" + hooks[i].path + ")",
                 [&] { run_hook(hooks[i], state_json); });
  }
}

void run_hooks_warn(std::string_view stage, const std::vector<oci::Hook>& hooks, const std::string& state_json) {
  for (size_t i = 0; i < hooks.size(); ++i) {
    try {
      run_hooks(stage, {hooks[i]}, state_json);
    } catch (const Error& e) {
      logger().warning(e.what());
    }
  }
}

}  // namespace ppc::shim
