#include "container/container_relay.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <termios.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <thread>

#include "base/error.h"
#include "base/ready_line.h"
#include "exit_codes.h"
#include "protocol/connection.h"

namespace ppc::vmm {
namespace {

using namespace protocol;

// The guest's side of the relay's vsock socket: a Unix listener that answers the hybrid
// CONNECT line, then an agent that answers Hello and hands the CreateContainer to `act`.
class FakeGuest {
 public:
  FakeGuest(const std::string& path, std::function<void(Connection&, const Message&)> act) {
    listener_ = UniqueFd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    if (::bind(listener_.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener_.get(), 4) != 0) {
      throw Error("listening on " + path);
    }
    thread_ = std::thread([this, act = std::move(act)] {
      UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      char c = 0;
      while (::read(fd.get(), &c, 1) == 1 && c != '\n') {
      }
      const std::string ok = "OK 1\n";
      if (::write(fd.get(), ok.data(), ok.size()) != static_cast<ssize_t>(ok.size())) return;
      Connection agent(std::move(fd));
      try {
        if (!agent.receive()) return;
        agent.send(Hello{kVersion, Role::kAgent});
        if (const std::optional<Message> create = agent.receive()) act(agent, *create);
        while (agent.receive()) {
        }
      } catch (const Error&) {
        // The relay ended the session.
      }
    });
  }
  ~FakeGuest() { thread_.join(); }

 private:
  UniqueFd listener_;
  std::thread thread_;
};

class ContainerRelayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/relay-test-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
    std::ofstream(dir_ / "request.json") << R"({"container_id":"c1","config":{"process":{"args":["true"]}}})";
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    ready_relay_ = UniqueFd(fds[0]);
    ready_ours_ = UniqueFd(fds[1]);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string socket_path() const { return (dir_ / "vsock.sock").string(); }

  // Runs the relay against the fake guest; returns its ready line (without the newline).
  // `restored`: as after --restore-from (the first message after Hello is then Restored).
  std::string run_relay(std::function<void(Connection&, const Message&)> act, bool restored = false) {
    FakeGuest guest(socket_path(), std::move(act));
    relay_ = std::make_unique<ContainerRelay>((dir_ / "request.json").string(), ready_relay_.release(), socket_path());
    relay_->set_restored(restored);
    relay_->start(nullptr, [this](int code, const std::string& reason) { stopped_.set_value({code, reason}); });
    std::string line;
    char c = 0;
    while (::read(ready_ours_.get(), &c, 1) == 1 && c != '\n') line.push_back(c);
    relay_->exit_status(std::chrono::seconds(10));
    return line;
  }

  std::filesystem::path dir_;
  UniqueFd ready_relay_, ready_ours_;
  std::unique_ptr<ContainerRelay> relay_;
  std::promise<std::pair<int, std::string>> stopped_;
};

// After "ok" only the relay's session can learn the container's status: when the agent breaks
// the protocol then (here it floods replies nobody asked for), the VM
// must stop with kContainerLost rather than run on unsupervised.
TEST_F(ContainerRelayTest, ASessionBrokenAfterTheCreateStopsTheMachine) {
  const std::string line = run_relay([](Connection& agent, const Message& create) {
    ASSERT_TRUE(std::holds_alternative<CreateContainer>(create));
    agent.send(Ok{});
    for (int i = 0; i < 100; ++i) agent.send(Ok{});
  });
  EXPECT_EQ(line, "ok");
  auto stopped = stopped_.get_future();
  ASSERT_EQ(stopped.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  const auto [code, reason] = stopped.get();
  EXPECT_EQ(code, exit_code::kContainerLost);
  EXPECT_NE(reason.find("after the container was created"), std::string::npos) << reason;
}

// A refused create is the creator's to report: the ready line carries the agent's escaped
// message and the relay stops nothing (the shim stops the VM).
TEST_F(ContainerRelayTest, ARefusedCreateIsReportedAndStopsNothing) {
  const std::string line = run_relay([](Connection& agent, const Message&) {
    agent.send(ErrorReply{ErrorCode::kExecFailed, "no such program\x1b[2J", 127});
    if (agent.receive()) agent.send(Ok{});  // the relay's Shutdown
  });
  const std::optional<ReadyReport> report = decode_ready_line(line);
  ASSERT_TRUE(report.has_value()) << line;
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->status, 127);
  EXPECT_EQ(report->message.find('\x1b'), std::string::npos) << report->message;
  EXPECT_NE(report->message.find("no such program"), std::string::npos) << report->message;
  EXPECT_EQ(stopped_.get_future().wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
}

// A restored guest's own failure is marked, so that the shim may boot cold instead; its
// agent's refusal of the container is the container's, and is not.
TEST_F(ContainerRelayTest, ARestoredGuestsFailureIsMarked) {
  const std::string line = run_relay(
      [](Connection& agent, const Message& restored) {
        ASSERT_TRUE(std::holds_alternative<Restored>(restored));
        agent.send(ErrorReply{ErrorCode::kInternal, "RNDADDENTROPY: no", 1});
      },
      true);
  const std::optional<ReadyReport> report = decode_ready_line(line);
  ASSERT_TRUE(report.has_value()) << line;
  EXPECT_EQ(report->message.rfind(kRestoredGuestFailed, 0), 0u) << report->message;
  EXPECT_NE(report->message.find("RNDADDENTROPY: no"), std::string::npos) << report->message;
}

// Restored and the CreateContainer behind it go out in one round trip (this agent reads both
// before it answers either); its refusal of the container is the container's: not marked.
TEST_F(ContainerRelayTest, ARestoredGuestsRefusedContainerIsNotMarked) {
  const std::string line = run_relay(
      [](Connection& agent, const Message& restored) {
        ASSERT_TRUE(std::holds_alternative<Restored>(restored));
        ASSERT_TRUE(std::holds_alternative<CreateContainer>(agent.receive().value()));
        agent.send(Ok{});
        agent.send(ErrorReply{ErrorCode::kExecFailed, "no such program", 127});
        if (agent.receive()) agent.send(Ok{});  // the relay's Shutdown
      },
      true);
  const std::optional<ReadyReport> report = decode_ready_line(line);
  ASSERT_TRUE(report.has_value()) << line;
  EXPECT_EQ(report->status, 127);
  EXPECT_EQ(report->message.find(kRestoredGuestFailed), std::string::npos) << report->message;
}

// The VM stops (a guest panic, reported by the VMM) while Restored waits for its answer,
// CreateContainer already sent behind it: still the restored guest's own failure.
TEST_F(ContainerRelayTest, ARestoredGuestLostBeforeItsRestoredIsAnsweredIsMarked) {
  const std::string line = run_relay(
      [this](Connection& agent, const Message& restored) {
        ASSERT_TRUE(std::holds_alternative<Restored>(restored));
        ASSERT_TRUE(std::holds_alternative<CreateContainer>(agent.receive().value()));
        relay_->report_failure("guest kernel panic");
        throw Error("the guest is gone");  // the fake agent's connection closes
      },
      true);
  const std::optional<ReadyReport> report = decode_ready_line(line);
  ASSERT_TRUE(report.has_value()) << line;
  EXPECT_EQ(report->message.rfind(std::string(kRestoredGuestFailed) + "guest kernel panic", 0), 0u) << report->message;
}

// Once the container was asked for, the container may be what broke the guest: not marked.
TEST_F(ContainerRelayTest, ARestoredGuestLostAfterTheCreateIsNotMarked) {
  const std::string line = run_relay(
      [](Connection& agent, const Message& restored) {
        ASSERT_TRUE(std::holds_alternative<Restored>(restored));
        agent.send(Ok{});
        ASSERT_TRUE(std::holds_alternative<CreateContainer>(agent.receive().value()));
        throw Error("the guest went away during the create");  // the fake agent's connection closes
      },
      true);
  const std::optional<ReadyReport> report = decode_ready_line(line);
  ASSERT_TRUE(report.has_value()) << line;
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->message.find(kRestoredGuestFailed), std::string::npos) << report->message;
}

// A pty as the VMM's stdin while the relay runs a container that exits at once (its streams
// close, its Wait answers 0); returns the pty's local modes afterwards.
class TtyStdin {
 public:
  TtyStdin() {
    master_ = UniqueFd(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!master_.valid() || ::grantpt(master_.get()) != 0 || ::unlockpt(master_.get()) != 0) throw Error("posix_openpt");
    slave_ = UniqueFd(::open(::ptsname(master_.get()), O_RDWR | O_NOCTTY | O_CLOEXEC));
    saved_ = UniqueFd(::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3));
    if (!slave_.valid() || !saved_.valid() || ::dup2(slave_.get(), STDIN_FILENO) < 0) throw Error("a pty on stdin");
  }
  ~TtyStdin() { ::dup2(saved_.get(), STDIN_FILENO); }
  tcflag_t local_modes() const {
    termios t{};
    ::tcgetattr(slave_.get(), &t);
    return t.c_lflag;
  }

 private:
  UniqueFd master_, slave_, saved_;
};

void exit_at_once(Connection& agent, const Message& create) {
  ASSERT_TRUE(std::holds_alternative<CreateContainer>(create));
  agent.send(Ok{});
  const std::string init(kInitExecId);
  agent.send(StdioClose{init, StdioStream::kStdout});
  agent.send(StdioClose{init, StdioStream::kStderr});
  const std::optional<Message> wait = agent.receive();
  ASSERT_TRUE(wait && std::holds_alternative<Wait>(*wait));
  agent.send(Exited{"c1", init, 0, false});
}

// runc hands the process its stdio as it is when process.terminal is false: the user's
// terminal that `run` was started from keeps its line discipline.
TEST_F(ContainerRelayTest, ATtyStdinIsLeftAsItIsWithoutProcessTerminal) {
  TtyStdin tty;
  ASSERT_NE(tty.local_modes() & ICANON, 0u);
  EXPECT_EQ(run_relay(exit_at_once), "ok");
  EXPECT_NE(tty.local_modes() & ICANON, 0u);
  EXPECT_NE(tty.local_modes() & ECHO, 0u);
}

// With process.terminal the tty is the container's terminal: raw, since the guest's own pty
// does the echo and the line editing.
TEST_F(ContainerRelayTest, ATtyStdinGoesRawWithProcessTerminal) {
  std::ofstream(dir_ / "request.json", std::ios::trunc)
      << R"({"container_id":"c1","config":{"process":{"terminal":true,"args":["true"]}}})";
  TtyStdin tty;
  EXPECT_EQ(run_relay(exit_at_once), "ok");
  EXPECT_EQ(tty.local_modes() & (ICANON | ECHO), 0u);
}

}  // namespace
}  // namespace ppc::vmm
