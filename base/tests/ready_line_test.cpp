#include "base/ready_line.h"

#include <gtest/gtest.h>

namespace ppc {
namespace {

ReadyReport decoded(const std::string& encoded) {
  EXPECT_EQ(encoded.back(), '\n');
  const auto report = decode_ready_line(std::string_view(encoded).substr(0, encoded.size() - 1));
  EXPECT_TRUE(report.has_value()) << encoded;
  return report.value_or(ReadyReport{});
}

TEST(ReadyLine, OkRoundTrips) { EXPECT_TRUE(decoded(encode_ready_ok()).ok); }

TEST(ReadyLine, ErrorKeepsStatusAndMessage) {
  const ReadyReport r = decoded(encode_ready_error(127, "exec: \"nope\": executable file not found in $PATH"));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.status, 127);
  EXPECT_EQ(r.message, "exec: \"nope\": executable file not found in $PATH");
}

TEST(ReadyLine, ALineBreakInTheMessageCannotEndTheLine) {
  const std::string line = encode_ready_error(1, "first\nsecond\r");
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  EXPECT_EQ(decoded(line).message, "first second ");
}

TEST(ReadyLine, AGuestsEscapeSequenceReachesNoTerminal) {
  EXPECT_EQ(decoded(encode_ready_error(1, "agent: \x1b]0;owned\x07 no such file")).message,
            "agent: \\x1b]0;owned\\x07 no such file");
}

TEST(ReadyLine, StatusesOutsideAnExitCodeBecomeOne) {
  EXPECT_EQ(decoded(encode_ready_error(0, "x")).status, 1);
  EXPECT_EQ(decoded(encode_ready_error(256, "x")).status, 1);
  EXPECT_EQ(decoded(encode_ready_error(-3, "x")).status, 1);
  EXPECT_EQ(decode_ready_line("error 9999 x")->status, 1);
}

TEST(ReadyLine, AnEmptyMessageStillSaysSomething) {
  EXPECT_FALSE(decoded(encode_ready_error(2, "")).message.empty());
  EXPECT_FALSE(decode_ready_line("error 3")->message.empty());
}

TEST(ReadyLine, AnythingElseIsNotAReport) {
  for (const char* line : {"", "OK", "ok ", "okay", "error", "error x message", "error 12x message", "warning 1 x",
                           "error -1 x"}) {
    EXPECT_FALSE(decode_ready_line(line).has_value()) << line;
  }
}

}  // namespace
}  // namespace ppc
