#include "sandbox/rlimits.h"

#include <gtest/gtest.h>

#include "config_error.h"

namespace ppc::vmm {
namespace {

std::string rlimit_error(const std::string& text) {
  try {
    parse_rlimit(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "<no throw>";
}

TEST(Rlimits, ParsesNamesAndValues) {
  EXPECT_EQ(parse_rlimit("nofile=1024").resource, RLIMIT_NOFILE);
  EXPECT_EQ(parse_rlimit("nofile=1024").value, 1024u);
  EXPECT_EQ(parse_rlimit("no-file=8").resource, RLIMIT_NOFILE);
  EXPECT_EQ(parse_rlimit("fsize=250000000").resource, RLIMIT_FSIZE);
  EXPECT_EQ(parse_rlimit("core=0").value, 0u);
  EXPECT_EQ(parse_rlimit("nproc=64").resource, RLIMIT_NPROC);
  EXPECT_EQ(parse_rlimit("memlock=unlimited").value, RLIM_INFINITY);
  EXPECT_EQ(parse_rlimit("as=1073741824").resource, RLIMIT_AS);
}

TEST(Rlimits, RejectsMalformedSettings) {
  for (const char* text : {"nofile", "=5", "nofile=", "nofile=-1", "nofile=1k", "files=5", "nofile=99999999999999999999"}) {
    SCOPED_TRACE(text);
    const std::string msg = rlimit_error(text);
    EXPECT_NE(msg.find("--rlimit"), std::string::npos) << msg;
  }
}

TEST(Rlimits, JailDefaultsAndOverrides) {
  const auto defaults = jail_rlimits({}, 5u << 20);
  ASSERT_EQ(defaults.size(), 3u);
  EXPECT_EQ(defaults[0].resource, RLIMIT_CORE);
  EXPECT_EQ(defaults[0].value, 0u);
  EXPECT_EQ(defaults[1].resource, RLIMIT_NOFILE);
  EXPECT_EQ(defaults[1].value, 4096u);
  EXPECT_EQ(defaults[2].resource, RLIMIT_FSIZE);
  EXPECT_EQ(defaults[2].value, 5u << 20);
  const auto mine = jail_rlimits({{RLIMIT_NOFILE, 64}, {RLIMIT_FSIZE, 1 << 20}, {RLIMIT_AS, 1u << 30}}, 5u << 20);
  ASSERT_EQ(mine.size(), 4u);
  EXPECT_EQ(mine[1].value, 64u);
  EXPECT_EQ(mine[2].resource, RLIMIT_FSIZE);
  EXPECT_EQ(mine[2].value, 1u << 20);
  EXPECT_EQ(mine[3].resource, RLIMIT_AS);
}

}  // namespace
}  // namespace ppc::vmm
