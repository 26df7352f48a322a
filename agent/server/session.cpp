#include "server/session.h"

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <variant>

#include "base/error.h"
#include "init/restored_guest.h"
#include "log.h"
#include "protocol/connection.h"
#include "protocol/stdio_router.h"

namespace ppc::agent {
namespace {

using namespace protocol;

class Session {
 public:
  Session(UniqueFd fd, Containers& containers, AgentControl& control)
      : connection_(std::make_shared<Connection>(std::move(fd))), containers_(containers), control_(control) {}

  void run() {
    try {
      if (!handshake()) return;
      std::thread worker([this] { work(); });
      read_loop();
      std::shared_ptr<Container> member;
      {
        const std::lock_guard lock(mutex_);
        closed_ = true;
        member = created_member_;
        changed_.notify_all();
      }
      // A pod's later container lives as long as the connection that created it: its host
      // process (ppc-kvm-vmm --join-vm) holds that connection, so no container outlives it, and
      // one whose process was killed does not keep its id and its place in the guest. Before
      // the join: the worker may be in a Wait for that very container.
      if (member) containers_.abandon(member);
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
        // A closed connection's requests are not acted on: no one is left to answer, and one
        // queued behind a Restored the host gave up on must not run (a container after all).
        if (closed_ || requests_.empty()) return;
        request = std::move(requests_.front());
        requests_.pop_front();
      }
      const Wait* wait = std::get_if<Wait>(&request);
      if (wait == nullptr && !answering_) {
        answering_ = true;
        control_.answering_session_opened();
      } else if (wait != nullptr && answering_) {
        // The host read every earlier answer before it sent this request (it sends a Wait
        // behind no other request): none is left to deliver. A pod member's session then
        // waits for the member's life without holding up the guest's power-off.
        answering_ = false;
        control_.answering_session_closed();
      }
      bool answered = false, failed = false;
      try {
        connection_->send(answer(request));
        answered = true;
      } catch (const RequestFailed& e) {
        failed = true;
        send_quietly(e.reply());
      } catch (const Error& e) {
        failed = true;
        send_quietly(ErrorReply{ErrorCode::kInternal, e.what(), 1});
      }
      // A restored guest that could not be made its own (entropy, clock) serves nothing more on
      // this connection: the host sends its CreateContainer right behind Restored, unanswered.
      if (failed && std::holds_alternative<Restored>(request)) {
        connection_->shutdown();
        return;
      }
      if (answered && (std::holds_alternative<Shutdown>(request) || ends_guest(wait))) {
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

  // The pod member this connection created, to abandon when the connection closes; one
  // removed meanwhile (by another connection) needs nothing.
  void remember_member(const std::string& id) {
    try {
      std::shared_ptr<Container> member = containers_.find(id);
      const std::lock_guard lock(mutex_);
      created_member_ = std::move(member);
    } catch (const RequestFailed&) {
    }
  }

  // The sandbox's first process has ended: the guest ends with it.
  bool ends_guest(const Wait* wait) {
    return wait != nullptr && wait->exec_id == kInitExecId && containers_.is_sandbox(wait->container_id);
  }

  // The stdio of the processes started on this connection is one container's (stdio names
  // exec ids alone): checked before the process is made, so none is left without its stdio.
  void claim_stdio_for(const std::string& container_id) {
    if (stdio_container_.empty()) stdio_container_ = container_id;
    if (stdio_container_ != container_id) {
      throw RequestFailed(ErrorCode::kInvalidRequest, "this connection carries the stdio of container \"" +
                                                          stdio_container_ + "\": use another one for container \"" +
                                                          container_id + "\"");
    }
  }

  Message answer(const Message& request) {
    if (const auto* create = std::get_if<CreateContainer>(&request)) {
      const std::string before = stdio_container_;
      claim_stdio_for(create->container_id);
      try {
        attach_stdio(containers_.create(*create));
      } catch (...) {
        stdio_container_ = before;  // no process of that container on this connection
        throw;
      }
      if (!create->sandbox_id.empty()) remember_member(create->container_id);
      return Ok{};
    }
    if (const auto* network = std::get_if<Network>(&request)) {
      containers_.sandbox()->configure_network(*network);
      return Ok{};
    }
    if (const auto* start = std::get_if<Start>(&request)) {
      containers_.find(start->container_id)->start();
      return Ok{};
    }
    if (const auto* exec = std::get_if<Exec>(&request)) {
      claim_stdio_for(exec->container_id);
      attach_stdio(containers_.find(exec->container_id)->exec(*exec));
      return Ok{};
    }
    if (const auto* signal = std::get_if<Signal>(&request)) {
      containers_.find(signal->container_id)->signal(*signal);
      return Ok{};
    }
    if (const auto* resize = std::get_if<Resize>(&request)) {
      containers_.find(resize->container_id)->resize(*resize);
      return Ok{};
    }
    if (const auto* wait = std::get_if<Wait>(&request)) return containers_.find(wait->container_id)->wait(wait->exec_id);
    if (const auto* freeze = std::get_if<FreezeContainer>(&request)) {
      containers_.find(freeze->container_id)->freeze(*freeze);
      return Ok{};
    }
    if (const auto* remove = std::get_if<RemoveContainer>(&request)) {
      containers_.remove(remove->container_id);
      return Ok{};
    }
    if (const auto* restored = std::get_if<Restored>(&request)) {
      make_restored_guest_its_own(*restored);
      return Ok{};
    }
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
  Containers& containers_;
  AgentControl& control_;
  std::string stdio_container_;  // whose processes' stdio this connection carries (worker thread)
  std::shared_ptr<Container> created_member_;  // a pod's later container created on this connection (mutex_)
  StdioRouter router_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Message> requests_;
  bool closed_ = false;
  bool final_reply_sent_ = false;  // this session sent the reply that ends the guest
  bool answering_ = false;         // this session sent an answer the host may not have read (worker thread)
};

}  // namespace

void serve_session(UniqueFd connection, Containers& containers, AgentControl& control) {
  Session(std::move(connection), containers, control).run();
}

}  // namespace ppc::agent
