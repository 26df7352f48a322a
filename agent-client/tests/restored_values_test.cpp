#include "agent_client/restored_values.h"

#include <gtest/gtest.h>

#include <chrono>

#include "protocol/codec.h"

namespace ppc::agent_client {
namespace {

TEST(RestoredValues, FreshBytesAndTheTimeNowThatTheCodecAccepts) {
  const auto before = std::chrono::system_clock::now();
  const protocol::Restored a = restored_values_now(), b = restored_values_now();
  const auto after = std::chrono::system_clock::now();
  EXPECT_EQ(a.entropy.size(), kRestoreEntropyBytes);
  EXPECT_NE(a.entropy, b.entropy);  // 2^-512 to fail by chance
  const auto ns = [](auto t) { return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count(); };
  EXPECT_GE(a.realtime_ns, ns(before));
  EXPECT_LE(b.realtime_ns, ns(after));
  EXPECT_LE(a.realtime_ns, b.realtime_ns);
  EXPECT_EQ(protocol::decode(protocol::encode(a)), protocol::Message(a));
}

}  // namespace
}  // namespace ppc::agent_client
