#include "container/container_relay.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>

#include "agent_client/agent_session.h"
#include "agent_client/restored_values.h"
#include "base/printable.h"
#include "base/ready_line.h"
#include "base/scope_exit.h"
#include "exit_codes.h"
#include "log.h"
#include "protocol/agent_port.h"

namespace ppc::vmm {
namespace {

using namespace protocol;
using agent_client::AgentError;
using agent_client::AgentSession;
using agent_client::EarlierRequestFailed;
using agent_client::connect_hybrid_vsock;
using agent_client::restored_values_now;

// A guest boots in well under this even in the emulated rig; past it the VMM reports failure.
constexpr std::chrono::seconds kAgentTimeout{120};

nlohmann::json read_request(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error("--container-request " + path + ": cannot read");
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, false);
  if (!j.is_object() || !j.contains("container_id") || !j.contains("config")) {
    throw Error("--container-request " + path + ": not a JSON object with container_id and config");
  }
  return j;
}

// A pod's later container is forgotten by the guest once its status is known: the guest keeps
// only containers that may still run (its agent takes a bounded number).
void remove_from_guest(AgentSession& session, const std::string& container_id) {
  try {
    session.request(RemoveContainer{container_id});
  } catch (const std::exception& e) {
    log_line("removing the container from the pod's guest: " + printable(e.what()));
  }
}

// The VMM's stdio on a terminal (the host pty slave when process.terminal is set) must pass
// bytes untouched: the guest's own pty does echo and line editing.
void make_raw(int fd) {
  termios t{};
  if (::tcgetattr(fd, &t) != 0) return;
  ::cfmakeraw(&t);
  ::tcsetattr(fd, TCSANOW, &t);
}

}  // namespace

ContainerRelay::ContainerRelay(const std::string& request_file, int ready_fd, std::string vsock_uds, bool until_adopted)
    : request_(read_request(request_file)), ready_(ready_fd), vsock_uds_(std::move(vsock_uds)),
      until_adopted_(until_adopted) {
  auto copy = [](int fd, const char* name) {
    UniqueFd c(::fcntl(fd, F_DUPFD_CLOEXEC, 3));
    if (!c.valid()) throw_errno(std::string("container mode: the VMM's ") + name + " must be open");
    return c;
  };
  stdin_ = copy(STDIN_FILENO, "stdin");
  stdout_ = copy(STDOUT_FILENO, "stdout");
  stderr_ = copy(STDERR_FILENO, "stderr");
}

std::vector<int> ContainerRelay::fds() const { return {ready_.get(), stdin_.get(), stdout_.get(), stderr_.get()}; }

bool ContainerRelay::member() const { return !request_.value("sandbox_id", std::string()).empty(); }

bool ContainerRelay::stdin_is_the_terminal() const {
  // Without process.terminal the stdio passes as it is, as with runc: a tty that happens to be
  // the VMM's stdin (`run` from a shell) is neither put in raw mode nor followed for its size.
  const nlohmann::json::json_pointer where("/config/process/terminal");
  const bool asked = request_.contains(where) && request_.at(where).is_boolean() && request_.at(where).get<bool>();
  return asked && ::isatty(stdin_.get()) != 0;
}

bool ContainerRelay::finished() {
  const std::lock_guard lock(status_mutex_);
  return finished_ || status_ >= 0;
}

// A pod's later container whose status this relay can no longer learn is not left running
// unsupervised in the pod's VM: killed and removed, on a connection of its own, best effort
// (the VM may be gone).
void ContainerRelay::abandon_member(const std::string& container_id) {
  try {
    AgentSession session(connect_hybrid_vsock(vsock_uds_, kAgentVsockPort, std::chrono::seconds(5)));
    try {
      session.request(Signal{container_id, std::string(kInitExecId), SIGKILL});
    } catch (const AgentError&) {
      // Never created, or ended already.
    }
    session.request(Wait{container_id, std::string(kInitExecId)}, std::chrono::seconds(10));
    remove_from_guest(session, container_id);
  } catch (const std::exception& e) {
    log_line("killing the container in the pod's VM: " + printable(e.what()));
  }
}

void ContainerRelay::forward_signal(int signal) {
  const std::lock_guard lock(status_mutex_);
  // Bounded: a signal already queued says the same again.
  if (std::find(signals_.begin(), signals_.end(), signal) == signals_.end()) signals_.push_back(signal);
  status_changed_.notify_all();
}

// Each queued signal goes to the container's main process on a connection of its own (the
// relay's is taken by Wait), until `done`.
void ContainerRelay::forward_signals(const std::string& container_id, const std::atomic<bool>& done) {
  for (;;) {
    int signal = 0;
    {
      std::unique_lock lock(status_mutex_);
      status_changed_.wait_for(lock, std::chrono::milliseconds(250), [&] { return done || !signals_.empty(); });
      if (done) return;
      if (signals_.empty()) continue;
      signal = signals_.front();
      signals_.erase(signals_.begin());
    }
    try {
      AgentSession session(connect_hybrid_vsock(vsock_uds_, kAgentVsockPort, std::chrono::seconds(5)));
      session.request(Signal{container_id, std::string(kInitExecId), signal});
    } catch (const std::exception& e) {
      log_line("forwarding signal " + std::to_string(signal) + " to the container: " + printable(e.what()));
    }
  }
}

ContainerRelay::~ContainerRelay() {
  if (thread_.joinable()) thread_.detach();  // the VMM is exiting; the guest is gone
  if (adoption_.joinable()) adoption_.detach();
}

void ContainerRelay::start(std::function<void()> on_thread_start,
                           std::function<void(int, const std::string&)> stop_machine) {
  stop_machine_ = std::move(stop_machine);
  thread_ = std::thread([this, on_thread_start] {
    // Whichever way the thread ends, whoever waits for the status learns it is final.
    const ScopeExit finish([this] {
      const std::lock_guard lock(status_mutex_);
      finished_ = true;
      status_changed_.notify_all();
    });
    try {
      if (on_thread_start) on_thread_start();
    } catch (const std::exception& e) {
      report_failure(e.what());
      return;
    }
    run();
  });
}

std::optional<int> ContainerRelay::exit_status(std::chrono::milliseconds patience) {
  std::unique_lock lock(status_mutex_);
  status_changed_.wait_for(lock, patience, [&] { return finished_; });
  if (status_ < 0) return std::nullopt;
  return status_;
}

void ContainerRelay::report(const std::string& line, bool keep_open) {
  const std::lock_guard lock(ready_mutex_);
  if (!ready_.valid()) return;
  [[maybe_unused]] ssize_t n = ::write(ready_.get(), line.data(), line.size());  // SIGPIPE is ignored
  if (!keep_open) ready_.reset();
}

void ContainerRelay::await_adoption() {
  std::string answer;
  char c = 0;
  while (answer.size() < 16 && ::read(ready_.get(), &c, 1) == 1 && c != '\n') answer.push_back(c);
  {
    const std::lock_guard lock(ready_mutex_);
    ready_.reset();
  }
  if (answer == "adopted") return;
  if (member()) {
    log_line("the container's creator went away before it recorded the container: killing it");
    return forward_signal(SIGKILL);
  }
  log_line("the container's creator went away before it recorded the container: stopping the VM");
  ::syscall(SYS_tgkill, ::getpid(), ::getpid(), SIGTERM);  // the main thread stops the machine
}

void ContainerRelay::report_failure(const std::string& message) {
  const bool the_guests = restored_ && !create_sent_;
  report(encode_ready_error(1, the_guests ? std::string(kRestoredGuestFailed) + message : message));
}

// Ends the helpers' 250 ms waits (follow_resizes, forward_signals) at once.
void ContainerRelay::stop_waiting(std::atomic<bool>& done) {
  const std::lock_guard lock(status_mutex_);
  done = true;
  status_changed_.notify_all();
}

// Sends the terminal's size to the agent whenever it changes, until `done`.
void ContainerRelay::follow_resizes(const std::string& container_id, const std::string& id,
                                    const std::atomic<bool>& done) {
  std::unique_ptr<AgentSession> control;
  winsize last{};
  while (!done) {
    winsize now{};
    if (::ioctl(stdin_.get(), TIOCGWINSZ, &now) == 0 && now.ws_row > 0 && now.ws_col > 0 &&
        (now.ws_row != last.ws_row || now.ws_col != last.ws_col)) {
      try {
        if (!control) {
          control = std::make_unique<AgentSession>(
              connect_hybrid_vsock(vsock_uds_, kAgentVsockPort, std::chrono::seconds(5)));
        }
        control->request(Resize{container_id, id, now.ws_row, now.ws_col});
        last = now;
      } catch (const Error&) {
        break;
      }
    }
    std::unique_lock lock(status_mutex_);
    status_changed_.wait_for(lock, std::chrono::milliseconds(250), [&] { return done.load(); });
  }
}

CreateContainer ContainerRelay::create_request() const {
  CreateContainer create;
  create.container_id = request_.at("container_id").get<std::string>();
  create.config = request_.at("config");
  create.hostname = request_.value("hostname", "");
  create.shared_fs_tag = request_.value("shared_fs_tag", "");
  create.sandbox_id = request_.value("sandbox_id", "");
  return create;
}

bool ContainerRelay::create_in_guest(AgentSession& session, const CreateContainer& create) {
  try {
    // A restored guest takes its own entropy and clock first, in the same round trip: the
    // agent ends the session rather than create the container when that fails. Until Restored
    // is answered, a failure is the restored guest's own (report_failure marks it).
    if (restored_) {
      session.request_after(restored_values_now(), create, [this] { create_sent_ = true; });
    } else {
      create_sent_ = true;
      session.request(create);
    }
    return true;
  } catch (const EarlierRequestFailed&) {
    throw;  // not the container's failure: nothing to abandon, and run() reports it as the guest's
  } catch (const AgentError& e) {
    report(encode_ready_error(e.reply().exit_status, e.what()));
    // An own guest has nothing else to do; a pod's guest goes on with its other containers.
    if (!member()) session.request(Shutdown{});
    return false;
  } catch (const Error&) {
    // No answer: a pod's guest may hold the container all the same.
    if (member()) abandon_member(create.container_id);
    throw;
  }
}

void ContainerRelay::run() {
  const std::string id(kInitExecId);
  bool created = false;
  try {
    AgentSession session(connect_hybrid_vsock(vsock_uds_, kAgentVsockPort, kAgentTimeout));
    const bool terminal = stdin_is_the_terminal();
    if (terminal) make_raw(stdin_.get());
    session.attach_output(id, UniqueFd(::dup(stdout_.get())), UniqueFd(::dup(stderr_.get())));
    const CreateContainer create = create_request();
    if (!create_in_guest(session, create)) return;
    session.attach_input(id, UniqueFd(::dup(stdin_.get())));
    report(encode_ready_ok(), until_adopted_);
    created = true;
    if (until_adopted_) adoption_ = std::thread(&ContainerRelay::await_adoption, this);
    std::atomic<bool> done{false};
    std::thread resizer, forwarder;
    // Joined on every way out: a joinable thread destroyed by a throwing Wait ends the VMM.
    // Woken, not left to finish their 250 ms waits: the session closes only after them, and
    // the guest powers off only once it has.
    const ScopeExit stop_helpers([&] {
      stop_waiting(done);
      if (resizer.joinable()) resizer.join();
      if (forwarder.joinable()) forwarder.join();
    });
    // A Wait occupies its connection until the process ends: resizes go on a second one.
    if (terminal) resizer = std::thread([&] { follow_resizes(create.container_id, id, done); });
    if (member()) forwarder = std::thread([&] { forward_signals(create.container_id, done); });
    const Message exited = session.request(Wait{create.container_id, id});
    session.finish_stdio(id);
    {
      const std::lock_guard lock(status_mutex_);
      status_ = std::get<Exited>(exited).status;
      status_changed_.notify_all();
    }
    if (member()) remove_from_guest(session, create.container_id);
  } catch (const std::exception& e) {
    if (!created) return report_failure(e.what());
    // The container runs and only this session could learn its status (a guest that breaks
    // the protocol, floods it or vanishes): nobody supervises it any more, so the VM stops;
    // a pod's later container is killed in the pod's VM instead.
    if (member()) abandon_member(request_.at("container_id").get<std::string>());
    if (stop_machine_) {
      stop_machine_(exit_code::kContainerLost,
                    "the agent's session failed after the container was created: " + printable(e.what()));
    }
  }
}

}  // namespace ppc::vmm
