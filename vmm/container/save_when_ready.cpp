#include "container/save_when_ready.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agent_client/agent_session.h"
#include "base/error.h"
#include "exit_codes.h"
#include "log.h"
#include "protocol/agent_port.h"

namespace ppc::vmm {

namespace {

void save_once_the_agent_answers(const std::string& vsock_uds, std::chrono::seconds timeout,
                                 const std::function<void(int, const std::string&)>& stop_machine) {
  try {
    // The session's constructor exchanges Hello; its end hangs up. A restore resets the
    // connection anyway (the vsock transport reset); the agent's listening socket stays.
    { agent_client::AgentSession session(agent_client::connect_hybrid_vsock(vsock_uds, protocol::kAgentVsockPort, timeout)); }
    log_line("--save-when-ready: the agent answered");
    // The main thread (its id is the process's) reads SIGUSR2 from its signalfd.
    if (::syscall(SYS_tgkill, ::getpid(), ::getpid(), SIGUSR2) != 0) throw_errno("--save-when-ready: tgkill SIGUSR2");
  } catch (const std::exception& e) {
    stop_machine(exit_code::kVmmError, std::string("--save-when-ready: the agent never answered: ") + e.what());
  }
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
