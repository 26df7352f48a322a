// runc's log lines, which conmon and containerd parse.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "log/logger.h"

namespace ppc::shim {
namespace {

TEST(shim_log, TextLinesAreLogrusLines) {
  EXPECT_EQ(format_log_line(LogFormat::kText, LogLevel::kError, "container does not exist", "2024-05-01T10:00:00Z"),
            "time=\"2024-05-01T10:00:00Z\" level=error msg=\"container does not exist\"\n");
  // Plain words stay unquoted, as logrus leaves them.
  EXPECT_EQ(format_log_line(LogFormat::kText, LogLevel::kWarning, "simple", "t"), "time=t level=warning msg=simple\n");
  EXPECT_EQ(format_log_line(LogFormat::kText, LogLevel::kDebug, "a \"q\"\nb\\", "t"),
            "time=t level=debug msg=\"a \\\"q\\\"\\nb\\\\\"\n");
}

TEST(shim_log, JsonLinesAreLogrusJson) {
  EXPECT_EQ(format_log_line(LogFormat::kJson, LogLevel::kError, "exec: \"nope\": not found", "2024-05-01T10:00:00+02:00"),
            "{\"level\":\"error\",\"msg\":\"exec: \\\"nope\\\": not found\",\"time\":\"2024-05-01T10:00:00+02:00\"}\n");
  // Bytes that are not UTF-8 do not break the line.
  const std::string line = format_log_line(LogFormat::kJson, LogLevel::kError, std::string("bad \xff byte"), "t");
  EXPECT_TRUE(nlohmann::json::parse(line).is_object());
}

TEST(shim_log, FormatsByName) {
  EXPECT_EQ(parse_log_format("json"), LogFormat::kJson);
  EXPECT_EQ(parse_log_format("text"), LogFormat::kText);
  EXPECT_THROW(parse_log_format("xml"), Error);
  const std::string now = log_timestamp_now();
  EXPECT_EQ(now.size() >= 20, true) << now;
  EXPECT_EQ(now[10], 'T') << now;
}

}  // namespace
}  // namespace ppc::shim
