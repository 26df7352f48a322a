#include "container/save_when_ready.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "agent_client/agent_session.h"
#include "exit_codes.h"
#include "log.h"
#include "protocol/agent_port.h"
#include "protocol/connection.h"

namespace ppc::vmm {

namespace {

// Hello both ways, the answer within what is left of the timeout: an agent that accepts and
// then says nothing must not keep the template waiting for ever. The connection then closes:
// a restore resets it anyway (the vsock transport reset); the agent's listening socket stays.
void hello_in_time(const std::string& vsock_uds, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  protocol::Connection connection(agent_client::connect_hybrid_vsock(vsock_uds, protocol::kAgentVsockPort, timeout));
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  agent_client::exchange_hello(connection, std::max(left, std::chrono::milliseconds(0)));
}

void save_once_the_agent_answers(const std::string& vsock_uds, std::chrono::seconds timeout,
                                 const std::function<void(int, const std::string&)>& stop_machine) {
  try {
    hello_in_time(vsock_uds, timeout);
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
