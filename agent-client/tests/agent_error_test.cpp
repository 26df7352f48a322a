#include <gtest/gtest.h>

#include "agent_client/agent_session.h"

namespace ppc::agent_client {
namespace {

// The guest writes ErrorReply's message: what the host prints must not carry its control bytes.
TEST(AgentError, WhatIsTheGuestsMessageEscaped) {
  const AgentError error(protocol::ErrorReply{.message = "no such file\x1b[2J\x1b]0;owned\x07"});
  EXPECT_STREQ(error.what(), "no such file\\x1b[2J\\x1b]0;owned\\x07");
  EXPECT_EQ(error.reply().message, "no such file\x1b[2J\x1b]0;owned\x07");
}

}  // namespace
}  // namespace ppc::agent_client
