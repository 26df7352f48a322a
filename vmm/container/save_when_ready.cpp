#include "container/save_when_ready.h"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <variant>

#include "agent_client/agent_session.h"
#include "protocol/connection.h"
#include "protocol/messages.h"
#include "base/error.h"
#include "exit_codes.h"
#include "log.h"
#include "protocol/agent_port.h"

namespace ppc::vmm {

namespace {

// Hello both ways within the deadline: an agent that accepts and then says nothing must not
// keep the template waiting for ever.
void exchange_hello(const std::string& vsock_uds, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  protocol::Connection connection(agent_client::connect_hybrid_vsock(vsock_uds, protocol::kAgentVsockPort, timeout));
  connection.send(protocol::Hello{protocol::kVersion, protocol::Role::kHost});
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  pollfd fd{connection.fd(), POLLIN, 0};
  if (::poll(&fd, 1, static_cast<int>(std::max<int64_t>(left.count(), 0))) != 1) throw Error("no Hello in time");
  const std::optional<protocol::Message> answer = connection.receive();
  const auto* hello = answer ? std::get_if<protocol::Hello>(&*answer) : nullptr;
  if (!hello || hello->role != protocol::Role::kAgent) throw Error("the agent did not answer Hello");
  // The connection closes here. A restore resets it anyway (the vsock transport reset); the
  // agent's listening socket stays.
}

void save_once_the_agent_answers(const std::string& vsock_uds, std::chrono::seconds timeout,
                                 const std::function<void(int, const std::string&)>& stop_machine) {
  try {
    exchange_hello(vsock_uds, timeout);
  } catch (const std::exception& e) {
    return stop_machine(exit_code::kVmmError, std::string("--save-when-ready: the agent never answered: ") + e.what());
  }
  log_line("--save-when-ready: the agent answered");
  // The main thread (its id is the process's) reads SIGUSR2 from its signalfd.
  if (::syscall(SYS_tgkill, ::getpid(), ::getpid(), SIGUSR2) != 0)
    stop_machine(exit_code::kVmmError, std::string("--save-when-ready: asking for the save: ") + std::strerror(errno));
}

}  // namespace

SaveWhenReady::~SaveWhenReady() {
  // The machine stopped for another reason while the thread still waits for the agent: the
  // VMM is exiting, and the thread holds nothing of this object.
  if (thread_.joinable()) thread_.detach();
}

void SaveWhenReady::start(std::function<void()> on_thread_start, std::function<void(int, const std::string&)> stop_machine) {
  thread_ = std::thread([uds = vsock_uds_, timeout = timeout_, on_thread_start = std::move(on_thread_start),
                         stop = std::move(stop_machine)] {
    try {
      if (on_thread_start) on_thread_start();
    } catch (const std::exception& e) {
      return stop(exit_code::kVmmError, std::string("--save-when-ready: ") + e.what());
    }
    save_once_the_agent_answers(uds, timeout, stop);
  });
}

}  // namespace ppc::vmm
