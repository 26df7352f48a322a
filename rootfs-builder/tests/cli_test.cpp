#include "rootfs/cli.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ppc::rootfs {
namespace {

std::string usage_error(const std::vector<std::string>& args) {
  try {
    parse_cli(args);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(RootfsCli, ParsesEveryOption) {
  const CliOptions o = parse_cli({"--agent", "a", "--rootfs", "r", "--prefix", "/c", "--add", "x:/etc/x", "--add",
                                  "y:/usr/bin/y:4755", "--mtime", "4294967295", "-o", "out"});
  EXPECT_EQ(o.spec.agent, "a");
  EXPECT_EQ(o.spec.rootfs, "r");
  EXPECT_EQ(o.spec.prefix, "/c");
  ASSERT_EQ(o.spec.extras.size(), 2u);
  EXPECT_EQ(o.spec.extras[0].source, "x");
  EXPECT_EQ(o.spec.extras[0].dest, "/etc/x");
  EXPECT_FALSE(o.spec.extras[0].mode);
  EXPECT_EQ(o.spec.extras[1].mode, 04755u);
  EXPECT_EQ(o.spec.mtime, 4294967295u);
  EXPECT_EQ(o.output, "out");
  EXPECT_FALSE(o.help);
}

TEST(RootfsCli, Defaults) {
  const CliOptions o = parse_cli({"--agent", "a", "--rootfs", "r", "--output", "out"});
  EXPECT_EQ(o.spec.prefix, "/rootfs");
  EXPECT_FALSE(o.spec.mtime);
  EXPECT_TRUE(o.spec.extras.empty());
}

TEST(RootfsCli, HelpNeedsNothingElse) {
  EXPECT_TRUE(parse_cli({"--help"}).help);
  EXPECT_NE(usage().find("--add SRC:DEST[:MODE]"), std::string::npos);
}

TEST(RootfsCli, NamesTheBadFlagOrValue) {
  EXPECT_EQ(usage_error({}), "--agent is required");
  EXPECT_EQ(usage_error({"--agent", "a", "-o", "x"}), "--rootfs is required");
  EXPECT_EQ(usage_error({"--agent", "a", "--rootfs", "r"}), "-o OUT is required");
  EXPECT_EQ(usage_error({"--bogus"}), "unknown argument '--bogus' (see --help)");
  EXPECT_EQ(usage_error({"--agent"}), "--agent needs a value");
  EXPECT_EQ(usage_error({"--agent", "a", "--agent", "b"}), "--agent given twice");
  EXPECT_EQ(usage_error({"--mtime", "-1"}), "--mtime: '-1' is not a decimal number");
  EXPECT_EQ(usage_error({"--mtime", "4294967296"}), "--mtime: '4294967296' is too large (at most 4294967295)");
  EXPECT_EQ(usage_error({"--prefix", "rootfs"}), "--prefix: 'rootfs' is not an absolute path");
  EXPECT_EQ(usage_error({"--prefix", "/a/../b"}), "--prefix: '/a/../b' has a '..' component");
}

TEST(RootfsCli, AddSpecs) {
  EXPECT_EQ(parse_add("s:/d:0600").mode, 0600u);
  EXPECT_EQ(parse_add("s:/d:7777").mode, 07777u);
  auto error = [](const std::string& text) -> std::string {
    try {
      parse_add(text);
    } catch (const UsageError& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_EQ(error("s"), "--add s: expected SRC:DEST or SRC:DEST:MODE");
  EXPECT_EQ(error("a:/b:0644:x"), "--add a:/b:0644:x: expected SRC:DEST or SRC:DEST:MODE");
  EXPECT_EQ(error(":/d"), "--add :/d: empty SRC");
  EXPECT_EQ(error("s:d"), "--add s:d: DEST 'd' is not an absolute path");
  EXPECT_EQ(error("s:/"), "--add s:/: DEST '/' names the archive's root, not a file");
  EXPECT_EQ(error("s:/d:0689"), "--add s:/d:0689: MODE: '0689' is not an octal number");
  EXPECT_EQ(error("s:/d:10000"), "--add s:/d:10000: MODE: '10000' is too large (at most 07777)");
  EXPECT_EQ(error("s:/d:"), "--add s:/d:: MODE: empty value");
}

}  // namespace
}  // namespace ppc::rootfs
