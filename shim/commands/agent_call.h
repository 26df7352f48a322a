#pragma once
// One request to a container's agent, with a deadline. The exchange runs in a child process
// that is killed when the deadline passes: a paused or wedged VM accepts the connection on
// its socket but never answers, and the shim must not hang with it.
#include <chrono>
#include <string>

#include "protocol/messages.h"

namespace ppc::shim {

struct AgentOutcome {
  enum class Kind { kOk, kRefused, kUnreachable } kind = Kind::kUnreachable;
  int exit_status = 1;  // kRefused: the agent's status for it (126, 127, 1)
  std::string message;
};

// Must be called while this process has a single thread (it forks).
AgentOutcome call_agent(const std::string& vsock_socket, const protocol::Message& request,
                        std::chrono::milliseconds timeout);

}  // namespace ppc::shim
