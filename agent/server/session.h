#pragma once
// One host connection: the handshake, then requests answered in order by a worker thread
// while the reader thread keeps routing stdio (stdin can flow while a Wait blocks). The
// stdio of a process created or exec'd on a connection flows on that connection; stdio names
// processes by exec id alone, so a connection carries the processes of one container.
#include <memory>

#include "base/unique_fd.h"
#include "container/containers.h"

namespace ppc::agent {

// What a session asks of the agent as a whole.
class AgentControl {
 public:
  virtual ~AgentControl() = default;
  // A reply that ends the guest went out on a session: the Exited of the sandbox container's
  // first process, or Shutdown's Ok. The host closes the session once it has read it, and only then
  // may the guest power off (a reply still in flight would be lost).
  virtual void final_reply_sent() = 0;
  // ...and that session has ended.
  virtual void final_session_closed() = 0;
  // A session got a request other than Wait (which may block for the container's life) /
  // that session has ended, or its host sent a Wait after it (and so had read the answers).
  // An answer is delivered once the host has closed the session that carried it (a sent
  // answer may still sit in the guest's vsock queue), so the power-off waits for such
  // sessions: `start` of a process that exits at once must still get its Ok.
  virtual void answering_session_opened() = 0;
  virtual void answering_session_closed() = 0;
};

// Serves the connection until the host closes it. Never throws.
void serve_session(UniqueFd connection, Containers& containers, AgentControl& control);

}  // namespace ppc::agent
