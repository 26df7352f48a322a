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

}  // namespace

void run_hook(const oci::Hook& hook, const std::string& state_json) {
  Pipe input = make_pipe();
  Pipe output = make_pipe();
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
  // The state is small; a hook that does not read it must not block us.
  ::fcntl(input.write.get(), F_SETFL, O_NONBLOCK);
  write_without_sigpipe(input.write.get(), state_json);
  input.write.reset();

  std::string collected;
  auto collect = [&](bool& open) {
    char buf[4096];
    const ssize_t n = ::read(output.read.get(), buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (n <= 0) {
      open = false;
      return;
    }
    collected.append(buf, static_cast<size_t>(n));
    if (collected.size() > 2 * kMaxShownOutput) collected.erase(0, collected.size() - kMaxShownOutput);
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(hook.timeout.value_or(0));
  bool output_open = true;
  int status = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) throw_errno("waitpid hook");
    if (hook.timeout && std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      throw Error("timed out after " + std::to_string(*hook.timeout) + " s");
    }
    if (!output_open) {
      ::usleep(20000);
      continue;
    }
    // A hook may close its output and go on running: output and exit are watched apart.
    pollfd p{output.read.get(), POLLIN, 0};
    if (::poll(&p, 1, 20) > 0) collect(output_open);
  }
  ::fcntl(output.read.get(), F_SETFL, O_NONBLOCK);  // what it wrote last, without waiting for its children
  while (output_open && collected.size() < 4 * kMaxShownOutput) {
    const size_t before = collected.size();
    collect(output_open);
    if (collected.size() == before) break;
  }
  if (collected.size() > kMaxShownOutput) collected.erase(0, collected.size() - kMaxShownOutput);
  const std::string shown = collected.empty() ? "" : ", output: " + collected;
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
