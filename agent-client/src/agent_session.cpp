#include "agent_client/agent_session.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <fcntl.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <variant>

namespace ppc::agent_client {
namespace {

using namespace protocol;

// Whether reply can be the answer to request: Exited of the same container's process for a Wait, Ok for
// any other request (an ErrorReply is taken before).
bool answers(const Message& request, const Message& reply) {
  if (const auto* wait = std::get_if<Wait>(&request)) {
    const auto* exited = std::get_if<Exited>(&reply);
    return exited && exited->container_id == wait->container_id && exited->exec_id == wait->exec_id;
  }
  return std::holds_alternative<Ok>(reply);
}

bool is_agents_hello(const Message& message) {
  const Hello* hello = std::get_if<Hello>(&message);
  return hello != nullptr && hello->role == Role::kAgent;
}

// One hybrid-vsock attempt: nullopt-like invalid fd when the VMM or agent is not there yet.
UniqueFd try_connect(const std::string& uds_path, uint32_t port, std::string& why) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) throw_errno("socket AF_UNIX");
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (uds_path.size() >= sizeof address.sun_path) throw Error("vsock socket path too long: " + uds_path);
  std::memcpy(address.sun_path, uds_path.c_str(), uds_path.size() + 1);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    why = uds_path + ": " + std::strerror(errno);
    return {};
  }
  const std::string request = "CONNECT " + std::to_string(port) + "\n";
  if (::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
    why = "sending CONNECT: " + std::string(std::strerror(errno));
    return {};
  }
  // The answer is one line; read byte by byte so that nothing after it is consumed.
  std::string line;
  char c;
  while (line.size() < 64) {
    const ssize_t n = ::read(fd.get(), &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (c == '\n') {
      if (line.rfind("OK ", 0) == 0) return fd;
      break;
    }
    line.push_back(c);
  }
  why = "the guest did not accept vsock port " + std::to_string(port) + (line.empty() ? "" : " (" + printable(line) + ")");
  return {};
}

}  // namespace

UniqueFd connect_hybrid_vsock(const std::string& uds_path, uint32_t port, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string why;
  for (;;) {
    UniqueFd fd = try_connect(uds_path, port, why);
    if (fd.valid()) return fd;
    if (std::chrono::steady_clock::now() >= deadline) {
      throw Error("connecting to the agent: " + why + " (gave up after " + std::to_string(timeout.count()) + " ms)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void exchange_hello(Connection& connection, std::optional<std::chrono::milliseconds> timeout) {
  connection.send(Hello{kVersion, Role::kHost});
  if (timeout) {
    pollfd fd{connection.fd(), POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(timeout->count())) != 1) throw Error("the agent did not answer Hello in time");
  }
  std::optional<Message> answer = connection.receive();
  if (!answer) throw Error("the agent closed the connection during the handshake");
  if (!is_agents_hello(*answer)) throw Error("the agent did not answer Hello");
}

AgentSession::AgentSession(UniqueFd fd) : connection_(std::make_shared<Connection>(std::move(fd))) {
  connection_->send(Hello{kVersion, Role::kHost});
  reader_ = std::thread([this] { read_loop(); });
}

AgentSession::~AgentSession() {
  connection_->shutdown();
  router_.cancel_all();
  if (reader_.joinable()) reader_.join();
  for (auto& [id, streams] : streams_) {
    for (std::thread& t : streams->threads) {
      if (t.joinable()) t.join();
    }
  }
}

void AgentSession::read_loop() {
  std::string reason = "the agent closed the connection";
  try {
    while (std::optional<Message> message = connection_->receive()) {
      if (router_.route(*message)) continue;
      const std::lock_guard lock(mutex_);
      // Replies come in the order of the requests: one more than were sent would answer a later
      // request (a stale Ok answering a Wait), so it ends the session.
      if (awaiting_replies_ == 0) throw Error("the agent sent " + std::string(message_type_name(type_of(*message))) +
                                              " when no request was waiting for a reply");
      --awaiting_replies_;
      replies_.push_back(std::move(*message));
      changed_.notify_all();
    }
  } catch (const Error& e) {
    reason = std::string("connection to the agent failed: ") + e.what();
  }
  router_.cancel_all();
  const std::lock_guard lock(mutex_);
  if (!ended_) end_reason_ = reason;  // a reason given by end() is the better one
  ended_ = true;
  changed_.notify_all();
}

Message AgentSession::request(const Message& message) {
  const bool lasts = std::holds_alternative<Wait>(message);
  return request(message, lasts ? std::nullopt : std::optional<std::chrono::milliseconds>(kDefaultReplyTimeout));
}

Message AgentSession::request(const Message& message, std::optional<std::chrono::milliseconds> timeout) {
  std::unique_lock lock(mutex_);
  if (ended_) throw Error(end_reason_);
  ++awaiting_replies_;
  lock.unlock();
  send_or_end(message);
  lock.lock();
  return next_reply(lock, message, timeout);
}

Message AgentSession::request_after(const Message& first, const Message& then, const std::function<void()>& on_first_ok) {
  if (std::holds_alternative<Wait>(then)) throw Error("request_after: a Wait needs a connection of its own");
  const std::string first_name(message_type_name(type_of(first)));
  std::unique_lock lock(mutex_);
  if (ended_) throw EarlierRequestFailed(first_name + " not sent: " + end_reason_);
  awaiting_replies_ += 2;
  lock.unlock();
  std::optional<std::string> then_unsent;
  try {
    send_or_end(first);
    try {
      send_or_end(then);
    } catch (const Error& e) {
      then_unsent = e.what();  // `first`'s reply says which failure it is
    }
  } catch (const Error& e) {
    throw EarlierRequestFailed(first_name + " failed: " + e.what());
  }
  lock.lock();
  try {
    next_reply(lock, first, kDefaultReplyTimeout);
  } catch (const Error& e) {
    // Whatever the agent made of `then` can no longer be told from its replies.
    const std::string why = first_name + " failed: " + e.what();
    end(why);
    throw EarlierRequestFailed(why);
  }
  lock.unlock();
  if (on_first_ok) on_first_ok();
  if (then_unsent) throw Error(*then_unsent);
  lock.lock();
  return next_reply(lock, then, kDefaultReplyTimeout);
}

void AgentSession::send_or_end(const Message& message) {
  try {
    connection_->send(message);
  } catch (const Error& e) {
    // Its reply is counted and will never come: nothing later can be matched to its request.
    const std::lock_guard lock(mutex_);
    end(std::string("sending ") + std::string(message_type_name(type_of(message))) + ": " + e.what());
    throw;
  }
}

void AgentSession::end(const std::string& reason) {
  if (ended_) return;
  ended_ = true;
  end_reason_ = reason;
  connection_->shutdown();
}

Message AgentSession::next_reply(std::unique_lock<std::mutex>& lock, const Message& request,
                                 std::optional<std::chrono::milliseconds> timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout.value_or(std::chrono::milliseconds(0));
  const auto answered = [&] { return ended_ || !replies_.empty(); };
  for (;;) {
    if (!timeout) {
      changed_.wait(lock, answered);
    } else if (!changed_.wait_until(lock, deadline, answered)) {
      end(std::string("the agent did not answer ") + std::string(message_type_name(type_of(request))) + " within " +
          std::to_string(std::chrono::duration_cast<std::chrono::seconds>(*timeout).count()) + " s");
      throw Error(end_reason_);
    }
    if (hello_checked_ || replies_.empty()) break;
    if (!is_agents_hello(replies_.front())) {
      end("the agent did not answer Hello");
      throw Error(end_reason_);
    }
    replies_.pop_front();
    hello_checked_ = true;
  }
  if (replies_.empty()) throw Error(hello_checked_ ? end_reason_ : "the agent closed the connection during the handshake");
  Message reply = std::move(replies_.front());
  replies_.pop_front();
  if (auto* error = std::get_if<ErrorReply>(&reply)) throw AgentError(std::move(*error));
  if (!answers(request, reply)) {
    // The agent lost track of the conversation (or lies): nothing it says later can be trusted.
    end("the agent answered " + std::string(message_type_name(type_of(request))) + " with " +
        std::string(message_type_name(type_of(reply))));
    throw Error(end_reason_);
  }
  return reply;
}

AgentSession::Streams& AgentSession::streams_of(const std::string& exec_id) {
  for (auto& [id, streams] : streams_) {
    if (id == exec_id) return *streams;
  }
  streams_.emplace_back(exec_id, std::make_unique<Streams>());
  return *streams_.back().second;
}

void AgentSession::attach_output(const std::string& exec_id, UniqueFd out, UniqueFd err) {
  Streams& streams = streams_of(exec_id);
  Connection& c = *connection_;
  auto add_output = [&](StdioStream stream, UniqueFd fd) {
    // A process's output with nowhere to go is read and dropped, so the process never blocks.
    if (!fd.valid()) fd = UniqueFd(::open("/dev/null", O_WRONLY | O_CLOEXEC));
    auto receiver = std::make_shared<StreamReceiver>(c, exec_id, stream, std::move(fd));
    router_.add(exec_id, stream, receiver);
    streams.threads.emplace_back([receiver] { receiver->run(); });
    streams.outputs.push_back(receiver);
  };
  add_output(StdioStream::kStdout, std::move(out));
  add_output(StdioStream::kStderr, std::move(err));
}

void AgentSession::attach_input(const std::string& exec_id, UniqueFd in) {
  Streams& streams = streams_of(exec_id);
  if (!in.valid()) {
    connection_->send(StdioClose{exec_id, StdioStream::kStdin});
    return;
  }
  streams.input = std::make_shared<StreamSender>(*connection_, exec_id, StdioStream::kStdin, std::move(in));
  router_.add(exec_id, StdioStream::kStdin, streams.input);
  streams.threads.emplace_back([input = streams.input] { input->run(); });
}

void AgentSession::finish_stdio(const std::string& exec_id) {
  for (auto& [id, streams] : streams_) {
    if (id != exec_id) continue;
    // Exited came after the output's StdioClose: the receivers end once they wrote it all.
    if (streams->input) streams->input->cancel();
    for (std::thread& t : streams->threads) {
      if (t.joinable()) t.join();
    }
  }
  router_.remove(exec_id);
}

}  // namespace ppc::agent_client
