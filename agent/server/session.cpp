#include "server/session.h"

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <variant>

#include "base/error.h"
#include "log.h"
#include "protocol/connection.h"
#include "protocol/stdio_router.h"

namespace ppc::agent {
namespace {

using namespace protocol;

class Session {
 public:
  Session(UniqueFd fd, Container& container, AgentControl& control)
      : connection_(std::make_shared<Connection>(std::move(fd))), container_(container), control_(control) {}

  void run() {
    try {
      if (!handshake()) return;
      std::thread worker([this] { work(); });
      read_loop();
      {
        const std::lock_guard lock(mutex_);
        closed_ = true;
        changed_.notify_all();
      }
      worker.join();
    } catch (const Error& e) {
      log_line(std::string("session: ") + e.what());
    }
    router_.cancel_all();
    if (answering_) control_.answering_session_closed();  // the worker has ended: no race
    if (final_reply_sent_) control_.final_session_closed();
  }

 private:
  bool handshake() {
    std::optional<Message> first = connection_->receive();
    if (!first) return false;
    const Hello* hello = std::get_if<Hello>(&*first);
    if (hello == nullptr || hello->role != Role::kHost) throw Error("the host's first message was not Hello");
    connection_->send(Hello{kVersion, Role::kAgent});
    return true;
  }

  void read_loop() {
    try {
      while (std::optional<Message> message = connection_->receive()) {
        if (router_.route(*message)) continue;
        const std::lock_guard lock(mutex_);
        requests_.push_back(std::move(*message));
        changed_.notify_all();
      }
    } catch (const Error& e) {
      log_line(std::string("session: ") + e.what());
      connection_->shutdown();
    }
  }

  void work() {
    for (;;) {
      Message request;
      {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return closed_ || !requests_.empty(); });
        if (requests_.empty()) return;
        request = std::move(requests_.front());
        requests_.pop_front();
      }
      const Wait* wait = std::get_if<Wait>(&request);
      if (wait == nullptr && !answering_) {
        answering_ = true;
        control_.answering_session_opened();
      }
      bool answered = false;
      try {
        connection_->send(answer(request));
        answered = true;
      } catch (const RequestFailed& e) {
        send_quietly(e.reply());
      } catch (const Error& e) {
        send_quietly(ErrorReply{ErrorCode::kInternal, e.what(), 1});
      }
      if (answered && (std::holds_alternative<Shutdown>(request) || (wait != nullptr && wait->exec_id == kInitExecId))) {
        final_reply_sent_ = true;
        control_.final_reply_sent();
      }
    }
  }

  void send_quietly(const Message& message) {
    try {
      connection_->send(message);
    } catch (const Error& e) {
      log_line(std::string("session: ") + e.what());
    }
  }

  Message answer(const Message& request) {
    if (const auto* create = std::get_if<CreateContainer>(&request)) {
      attach_stdio(container_.create(*create));
      return Ok{};
    }
    if (const auto* network = std::get_if<Network>(&request)) {
      container_.configure_network(*network);
      return Ok{};
    }
    if (std::holds_alternative<Start>(request)) {
      container_.start();
      return Ok{};
    }
    if (const auto* exec = std::get_if<Exec>(&request)) {
      attach_stdio(container_.exec(*exec));
      return Ok{};
    }
    if (const auto* signal = std::get_if<Signal>(&request)) {
      container_.signal(*signal);
      return Ok{};
    }
    if (const auto* resize = std::get_if<Resize>(&request)) {
      container_.resize(*resize);
      return Ok{};
    }
    if (const auto* wait = std::get_if<Wait>(&request)) return container_.wait(wait->exec_id);
    if (std::holds_alternative<Shutdown>(request)) return Ok{};
    throw RequestFailed(ErrorCode::kInvalidRequest,
                        std::string(message_type_name(type_of(request))) + " is not a request the agent answers");
  }

  // The process's output goes out on this connection, its input comes in on it.
  void attach_stdio(const std::shared_ptr<GuestProcess>& process) {
    LaunchedProcess& l = process->launched;
    const std::string& id = process->exec_id;
    auto send_stream = [&](StdioStream stream, UniqueFd fd) {
      auto sender = std::make_shared<StreamSender>(*connection_, id, stream, std::move(fd));
      router_.add(id, stream, sender);
      // The thread keeps the connection alive for as long as it may send on it.
      process->senders_done.push_back(
          std::async(std::launch::async, [sender, keep = connection_] { sender->run(); }).share());
      process->senders.push_back(sender);
    };
    auto receive_stream = [&](UniqueFd fd) {
      auto receiver = std::make_shared<StreamReceiver>(*connection_, id, StdioStream::kStdin, std::move(fd));
      router_.add(id, StdioStream::kStdin, receiver);
      std::thread([receiver, keep = connection_] { receiver->run(); }).detach();
    };
    if (l.terminal.valid()) {
      UniqueFd input(::dup(l.terminal.get()));
      send_stream(StdioStream::kStdout, std::move(l.terminal));
      receive_stream(std::move(input));
      // A terminal merges stderr into stdout: the stderr stream ends before it begins, so a
      // host waiting for both streams to end is not left waiting for this one.
      connection_->send(StdioClose{id, StdioStream::kStderr});
    } else {
      send_stream(StdioStream::kStdout, std::move(l.stdout_fd));
      send_stream(StdioStream::kStderr, std::move(l.stderr_fd));
      receive_stream(std::move(l.stdin_fd));
    }
  }

  std::shared_ptr<Connection> connection_;
  Container& container_;
  AgentControl& control_;
  StdioRouter router_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Message> requests_;
  bool closed_ = false;
  bool final_reply_sent_ = false;  // this session sent the reply that ends the guest
  bool answering_ = false;         // this session got a request other than Wait (worker thread)
};

}  // namespace

void serve_session(UniqueFd connection, Container& container, AgentControl& control) {
  Session(std::move(connection), container, control).run();
}

}  // namespace ppc::agent
