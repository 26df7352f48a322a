#include "agent_client/agent_session.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <functional>
#include <thread>

namespace ppc::agent_client {
namespace {

using namespace protocol;

// An agent on the other end of a socket pair: answers Hello, then each request with what
// `answer` makes of it.
class FakeAgent {
 public:
  explicit FakeAgent(std::function<Message(const Message&)> answer) {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) throw Error("socketpair");
    host_ = UniqueFd(fds[0]);
    thread_ = std::thread([agent = UniqueFd(fds[1]), answer = std::move(answer)]() mutable {
      Connection c(std::move(agent));
      try {
        if (!c.receive()) return;
        c.send(Hello{kVersion, Role::kAgent});
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

}  // namespace
}  // namespace ppc::agent_client
