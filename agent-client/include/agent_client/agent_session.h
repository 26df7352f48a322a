#pragma once
// The host's side of the agent protocol: a connection to the agent through the VMM's
// hybrid-vsock Unix socket, requests answered in order, and the stdio of the processes
// started on it pumped between local fds and the guest. Used by the test client, the VMM's
// container relay and the CLI's exec.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/error.h"
#include "base/printable.h"
#include "base/unique_fd.h"
#include "protocol/connection.h"
#include "protocol/messages.h"
#include "protocol/stdio_router.h"

namespace ppc::agent_client {

// Connects to vsock `port` of the guest through the VMM's socket at `uds_path`
// ("CONNECT <port>\n", answered "OK <port>\n"), retrying while the VMM's socket does not
// exist yet or the agent is not listening yet, for at most `timeout`.
UniqueFd connect_hybrid_vsock(const std::string& uds_path, uint32_t port, std::chrono::milliseconds timeout);

// Says Hello on a fresh connection and checks the agent's answer, waiting at most `timeout`
// for it when given (otherwise as long as the agent takes). Throws Error.
void exchange_hello(protocol::Connection& connection, std::optional<std::chrono::milliseconds> timeout = std::nullopt);

// An ErrorReply from the agent.
class AgentError : public Error {
 public:
  // The guest's words reach terminals and logs through what(): escaped (base/printable.h).
  explicit AgentError(protocol::ErrorReply reply) : Error(printable(reply.message)), reply_(std::move(reply)) {}
  const protocol::ErrorReply& reply() const { return reply_; }

 private:
  protocol::ErrorReply reply_;
};

// What request_after throws when its first request failed (an ErrorReply, a wrong reply, no
// reply): the second one's fate is unknown, and the session is over.
class EarlierRequestFailed : public Error {
 public:
  using Error::Error;
};

class AgentSession {
 public:
  // Says Hello and starts the reader thread. The agent's Hello is checked with the first
  // reply (one round trip fewer): a wrong or missing one fails the first request.
  explicit AgentSession(UniqueFd fd);
  ~AgentSession();
  AgentSession(const AgentSession&) = delete;
  AgentSession& operator=(const AgentSession&) = delete;

  // How long a request other than Wait may go unanswered (a paused or silent guest).
  static constexpr std::chrono::seconds kDefaultReplyTimeout{60};

  // Sends a request and returns its reply (Ok, or Exited for a Wait). Throws AgentError
  // for an ErrorReply, Error for any other reply (the session is over then: the agent lost
  // the thread of the conversation), when the connection ends first or no reply came within the
  // timeout (none for a Wait, which lasts as long as its process; kDefaultReplyTimeout for
  // the rest). After a timeout the session is over: a late reply can never answer a later
  // request.
  protocol::Message request(const protocol::Message& message);
  protocol::Message request(const protocol::Message& message, std::optional<std::chrono::milliseconds> timeout);
  // Sends `first` and `then` back to back and returns the reply to `then` (as request does;
  // `then` is not a Wait); one round trip fewer. on_first_ok runs once `first` is answered Ok,
  // before `then`'s reply is awaited. Throws EarlierRequestFailed unless `first` was sent and
  // answered Ok: the agent must then not act on `then` (it ends the session after a failed
  // Restored) and the session is over.
  protocol::Message request_after(const protocol::Message& first, const protocol::Message& then,
                                  const std::function<void()>& on_first_ok = nullptr);

  // Writes a process's stdout to `out` and stderr to `err` (invalid: dropped; a terminal
  // process has no stderr stream). Call before the request that creates the process, whose
  // output may arrive before the reply.
  void attach_output(const std::string& exec_id, UniqueFd out, UniqueFd err);
  // Sends `in` to the process's stdin (invalid: its stdin is closed at once). Call after
  // the request that created the process succeeded: the agent has its stdin only then.
  void attach_input(const std::string& exec_id, UniqueFd in);
  // After the process's Exited: waits until its output is written out, stops its stdin.
  void finish_stdio(const std::string& exec_id);

 private:
  void read_loop();
  // Under mutex_: the next reply to `request`, once the agent's Hello came first.
  protocol::Message next_reply(std::unique_lock<std::mutex>& lock, const protocol::Message& request,
                               std::optional<std::chrono::milliseconds> timeout);
  void end(const std::string& reason);  // under mutex_: the session is over
  void send_or_end(const protocol::Message& message);  // a failed send ends the session

  std::shared_ptr<protocol::Connection> connection_;
  protocol::StdioRouter router_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<protocol::Message> replies_;
  bool ended_ = false;
  size_t awaiting_replies_ = 1;  // sent and not answered yet: Hello first
  bool hello_checked_ = false;
  std::string end_reason_;
  struct Streams {
    std::shared_ptr<protocol::StreamSender> input;
    std::vector<std::shared_ptr<protocol::StreamReceiver>> outputs;
    std::vector<std::thread> threads;
  };
  Streams& streams_of(const std::string& exec_id);
  std::vector<std::pair<std::string, std::unique_ptr<Streams>>> streams_;
  std::thread reader_;
};

}  // namespace ppc::agent_client
