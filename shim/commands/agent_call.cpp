#include "commands/agent_call.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "agent_client/agent_session.h"
#include "base/error.h"
#include "base/unique_fd.h"
#include "protocol/agent_port.h"

namespace ppc::shim {
namespace {

using agent_client::AgentError;
using agent_client::AgentSession;
using agent_client::connect_hybrid_vsock;

// The child's report: one letter (O ok, R refused, U unreachable), the status, a space,
// the message.
[[noreturn]] void report(int fd, char kind, int status, const std::string& message) {
  const std::string text = std::string(1, kind) + std::to_string(status) + " " + message;
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0 && errno != EINTR) break;
    if (n > 0) done += static_cast<size_t>(n);
  }
  ::_exit(0);
}

[[noreturn]] void child(int fd, const std::string& socket, const protocol::Message& request,
                        std::chrono::milliseconds timeout) {
  try {
    AgentSession session(connect_hybrid_vsock(socket, protocol::kAgentVsockPort, timeout));
    try {
      session.request(request);
    } catch (const AgentError& e) {
      report(fd, 'R', e.reply().exit_status, e.what());
    }
    report(fd, 'O', 0, "");
  } catch (const std::exception& e) {
    report(fd, 'U', 1, e.what());
  }
}

}  // namespace

AgentOutcome call_agent(const std::string& vsock_socket, const protocol::Message& request,
                        std::chrono::milliseconds timeout) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe");
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  const pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork");
  if (pid == 0) {
    read_end.reset();
    // The connection attempts stop earlier than the whole exchange, so that "cannot connect"
    // (with its reason) reaches the parent before its deadline does.
    child(write_end.get(), vsock_socket, request, timeout * 3 / 4);
  }
  write_end.reset();

  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{read_end.get(), POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    char buf[4096];
    const ssize_t n = ::read(read_end.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  if (timed_out) ::kill(pid, SIGKILL);
  int status;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }

  AgentOutcome outcome;
  if (timed_out) {
    // Named by its socket: under load the child may not even have reported its connect error.
    outcome.message = "the agent behind " + vsock_socket + " did not answer within " + std::to_string(timeout.count()) + " ms";
    return outcome;
  }
  const size_t space = text.find(' ');
  if (text.empty() || space == std::string::npos) {
    outcome.message = "the request to the agent ended without an answer";
    return outcome;
  }
  outcome.kind = text[0] == 'O' ? AgentOutcome::Kind::kOk
               : text[0] == 'R' ? AgentOutcome::Kind::kRefused
                                : AgentOutcome::Kind::kUnreachable;
  outcome.exit_status = std::atoi(text.substr(1, space - 1).c_str());
  outcome.message = text.substr(space + 1);
  return outcome;
}

}  // namespace ppc::shim
