#include "agent_client/agent_session.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <functional>
#include <thread>
#include <vector>

#include "protocol/limits.h"

namespace ppc::agent_client {
namespace {

using namespace protocol;

// A Restored as the wire takes it (its entropy and clock checked on both sides).
Restored some_restored() { return Restored{std::vector<uint8_t>(kMinRestoreEntropy, 7), 1}; }

// An agent on the other end of a socket pair: answers Hello, then each request with what
// `answer` makes of it.
class FakeAgent {
 public:
  explicit FakeAgent(std::function<Message(const Message&)> answer, Message hello = Hello{kVersion, Role::kAgent}) {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) throw Error("socketpair");
    host_ = UniqueFd(fds[0]);
    thread_ = std::thread([agent = UniqueFd(fds[1]), answer = std::move(answer), hello = std::move(hello)]() mutable {
      Connection c(std::move(agent));
      try {
        if (!c.receive()) return;
        c.send(hello);
        while (std::optional<Message> m = c.receive()) c.send(answer(*m));
      } catch (const Error&) {
        // The host ended the session.
      }
    });
  }
  ~FakeAgent() { thread_.join(); }
  UniqueFd host() { return std::move(host_); }

 private:
  UniqueFd host_;
  std::thread thread_;
};

TEST(AgentSession, AWaitIsAnsweredByItsProcesssExited) {
  FakeAgent agent([](const Message& m) -> Message {
    if (const auto* w = std::get_if<Wait>(&m)) return Exited{w->container_id, w->exec_id, 3, false};
    return Ok{};
  });
  AgentSession session(agent.host());
  EXPECT_TRUE(std::holds_alternative<Ok>(session.request(Start{"c"})));
  EXPECT_EQ(std::get<Exited>(session.request(Wait{"c", "e1"})).status, 3);
}

TEST(AgentSession, AnOkForAWaitEndsTheSession) {
  FakeAgent agent([](const Message&) -> Message { return Ok{}; });
  AgentSession session(agent.host());
  try {
    session.request(Wait{"c", "e1"});
    FAIL() << "an Ok answered a Wait";
  } catch (const AgentError&) {
    FAIL() << "not an ErrorReply";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "the agent answered Wait with Ok");
  }
  EXPECT_THROW(session.request(Start{"c"}), Error);
}

TEST(AgentSession, AnotherProcesssExitedForAWaitEndsTheSession) {
  FakeAgent agent([](const Message&) -> Message { return Exited{"c", "other", 0, false}; });
  AgentSession session(agent.host());
  EXPECT_THROW(session.request(Wait{"c", "e1"}), Error);
}

TEST(AgentSession, AnotherContainersExitedForAWaitEndsTheSession) {
  FakeAgent agent([](const Message&) -> Message { return Exited{"other", "init", 0, false}; });
  AgentSession session(agent.host());
  EXPECT_THROW(session.request(Wait{"c", "init"}), Error);
}

TEST(AgentSession, AnExitedForAnotherRequestEndsTheSession) {
  FakeAgent agent([](const Message&) -> Message { return Exited{"c", "e1", 0, false}; });
  AgentSession session(agent.host());
  EXPECT_THROW(session.request(Start{"c"}), Error);
  EXPECT_THROW(session.request(Start{"c"}), Error);
}

// The agent's Hello is checked with the first reply: a wrong one fails that request and ends
// the session.
TEST(AgentSession, AWrongHelloFailsTheFirstRequest) {
  FakeAgent agent([](const Message&) -> Message { return Ok{}; }, Hello{kVersion, Role::kHost});
  AgentSession session(agent.host());
  try {
    session.request(Start{"c"});
    FAIL() << "a host's Hello was taken for the agent's";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "the agent did not answer Hello");
  }
  EXPECT_THROW(session.request(Start{"c"}), Error);
}

// request_after sends both requests before either is answered: this agent answers nothing
// until it has read both, so a session that waited in between would never see a reply.
TEST(AgentSession, RequestAfterSendsBothBeforeEitherIsAnswered) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  std::thread agent([fd = UniqueFd(fds[1])]() mutable {
    Connection c(std::move(fd));
    try {
      std::vector<Message> got;
      for (int i = 0; i < 3; ++i) got.push_back(c.receive().value());  // Hello, Restored, Start
      if (!std::holds_alternative<Restored>(got[1]) || !std::holds_alternative<Start>(got[2])) return;
      c.send(Hello{kVersion, Role::kAgent});
      c.send(Ok{});
      c.send(Ok{});
      while (c.receive()) {
      }
    } catch (const std::exception&) {
    }
  });
  {
    AgentSession session{UniqueFd(fds[0])};
    bool first_ok = false;
    EXPECT_TRUE(std::holds_alternative<Ok>(session.request_after(some_restored(), Start{"c"}, [&] { first_ok = true; })));
    EXPECT_TRUE(first_ok);
  }
  agent.join();
}

// A failed first request leaves the second one's fate unknown: EarlierRequestFailed, and the
// session is over (a late reply to the second can never answer a later request).
TEST(AgentSession, AFailedFirstRequestEndsTheSession) {
  FakeAgent agent([](const Message& m) -> Message {
    if (std::holds_alternative<Restored>(m)) return ErrorReply{ErrorCode::kInternal, "RNDADDENTROPY: no", 1};
    return Ok{};
  });
  AgentSession session(agent.host());
  bool first_ok = false;
  try {
    session.request_after(some_restored(), Start{"c"}, [&] { first_ok = true; });
    FAIL() << "the failed Restored went unnoticed";
  } catch (const EarlierRequestFailed& e) {
    EXPECT_NE(std::string(e.what()).find("Restored failed: RNDADDENTROPY: no"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(first_ok);
  EXPECT_THROW(session.request(Start{"c"}), Error);
}

// A Wait has a connection of its own: request_after refuses one behind another request.
TEST(AgentSession, RequestAfterRefusesAWait) {
  FakeAgent agent([](const Message&) -> Message { return Ok{}; });
  AgentSession session(agent.host());
  EXPECT_THROW(session.request_after(some_restored(), Wait{"c", "init"}), Error);
  EXPECT_TRUE(std::holds_alternative<Ok>(session.request(Start{"c"})));
}

}  // namespace
}  // namespace ppc::agent_client
