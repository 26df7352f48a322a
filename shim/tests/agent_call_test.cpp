// A request to an agent that is not there, or that never answers, ends at its deadline.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "base/unique_fd.h"
#include "commands/agent_call.h"
#include "test_dir.h"

namespace ppc::shim {
namespace {

TEST(shim_agent_call, MissingSocketIsUnreachable) {
  test::TestDir dir;
  const auto outcome = call_agent(dir / "vsock.sock", protocol::Start{"c"}, std::chrono::milliseconds(300));
  EXPECT_EQ(outcome.kind, AgentOutcome::Kind::kUnreachable);
  EXPECT_NE(outcome.message.find("vsock.sock"), std::string::npos) << outcome.message;
}

TEST(shim_agent_call, SilentPeerTimesOut) {
  // A stopped VMM's socket: the kernel accepts the connection, nobody ever answers.
  test::TestDir dir;
  const std::string path = dir / "vsock.sock";
  UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, path.c_str());
  ASSERT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener.get(), 4), 0);
  const auto start = std::chrono::steady_clock::now();
  const auto outcome = call_agent(path, protocol::Start{"c"}, std::chrono::milliseconds(500));
  EXPECT_EQ(outcome.kind, AgentOutcome::Kind::kUnreachable);
  EXPECT_NE(outcome.message.find("did not answer within 500 ms"), std::string::npos) << outcome.message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace ppc::shim
