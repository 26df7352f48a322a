// The command line: Go-flag conventions, global options, argument counts.
#include <gtest/gtest.h>

#include "cli/flag_parser.h"
#include "cli/global_options.h"
#include "cli/usage_error.h"
#include "commands/command_spec.h"

namespace ppc::shim {
namespace {

const std::vector<FlagSpec> kSpecs = {
    {"bundle", {"b"}, true}, {"detach", {"d"}, false}, {"env", {"e"}, true}, {"tty", {"t"}, false}};

TEST(shim_cli, ValuesInEveryRuncSpelling) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--bundle", "/b", "id"}, {"--bundle=/b", "id"}, {"-bundle", "/b", "id"}, {"-b", "/b", "id"}, {"-b=/b", "id"}}) {
    const ParsedFlags f = parse_flags(kSpecs, args, false);
    EXPECT_EQ(f.value("bundle"), "/b") << args[0];
    EXPECT_EQ(f.positionals, std::vector<std::string>{"id"}) << args[0];
  }
}

TEST(shim_cli, BooleansTakeOptionalValues) {
  EXPECT_TRUE(parse_flags(kSpecs, {"--detach"}, false).enabled("detach"));
  EXPECT_TRUE(parse_flags(kSpecs, {"-d=true"}, false).enabled("detach"));
  EXPECT_FALSE(parse_flags(kSpecs, {"--detach=false"}, false).enabled("detach"));
  EXPECT_FALSE(parse_flags(kSpecs, {}, false).enabled("detach"));
  // A boolean never takes the next argument as its value.
  const ParsedFlags f = parse_flags(kSpecs, {"--detach", "false"}, false);
  EXPECT_TRUE(f.enabled("detach"));
  EXPECT_EQ(f.positionals, std::vector<std::string>{"false"});
  EXPECT_THROW(parse_flags(kSpecs, {"--detach=maybe"}, false), UsageError);
}

TEST(shim_cli, RepeatedFlagsKeepEveryValueInOrder) {
  const ParsedFlags f = parse_flags(kSpecs, {"-e", "A=1", "--env=B=2", "--env", "C="}, false);
  EXPECT_EQ(f.values("env"), (std::vector<std::string>{"A=1", "B=2", "C="}));
  EXPECT_EQ(f.value("env"), "C=");
}

TEST(shim_cli, ErrorsUseGosWording) {
  try {
    parse_flags(kSpecs, {"--bogus"}, false);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "flag provided but not defined: -bogus");
  }
  try {
    parse_flags(kSpecs, {"--bundle"}, false);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "flag needs an argument: -bundle");
  }
  EXPECT_THROW(parse_flags(kSpecs, {"---x"}, false), UsageError);
}

TEST(shim_cli, FlagsMayFollowPositionalsUnlessTheCommandStops) {
  const ParsedFlags interspersed = parse_flags(kSpecs, {"id", "--detach"}, false);
  EXPECT_TRUE(interspersed.enabled("detach"));
  EXPECT_EQ(interspersed.positionals, std::vector<std::string>{"id"});
  // exec: what follows the container id is the process's own command line.
  const ParsedFlags exec = parse_flags(kSpecs, {"-t", "id", "sh", "-c", "--detach"}, true);
  EXPECT_TRUE(exec.enabled("tty"));
  EXPECT_FALSE(exec.has("detach"));
  EXPECT_EQ(exec.positionals, (std::vector<std::string>{"id", "sh", "-c", "--detach"}));
  const ParsedFlags dashes = parse_flags(kSpecs, {"--", "--detach"}, false);
  EXPECT_EQ(dashes.positionals, std::vector<std::string>{"--detach"});
  // A lone "-" is an argument (stdin), not a flag.
  EXPECT_EQ(parse_flags(kSpecs, {"-"}, false).positionals, std::vector<std::string>{"-"});
}

TEST(shim_cli, GlobalOptionsComeBeforeTheCommand) {
  const GlobalOptions o = parse_global_options(
      {"--root", "/r", "--log=/l.json", "--log-format", "json", "--systemd-cgroup", "--debug", "create", "--bundle", "b", "id"});
  EXPECT_EQ(o.root, "/r");
  EXPECT_TRUE(o.root_given);
  EXPECT_EQ(o.log, "/l.json");
  EXPECT_EQ(o.log_format, LogFormat::kJson);
  EXPECT_TRUE(o.systemd_cgroup);
  EXPECT_TRUE(o.debug);
  EXPECT_EQ(o.command, "create");
  EXPECT_EQ(o.args, (std::vector<std::string>{"--bundle", "b", "id"}));
  const GlobalOptions d = parse_global_options({"state", "x"});
  EXPECT_EQ(d.root, "/run/ppc-kvm-shim");
  EXPECT_FALSE(d.root_given);
  EXPECT_EQ(d.log_format, LogFormat::kText);
  EXPECT_THROW(parse_global_options({"--log-format", "xml", "state", "x"}), UsageError);
  EXPECT_THROW(parse_global_options({"--root", "", "state", "x"}), UsageError);
  EXPECT_TRUE(parse_global_options({"--version"}).version);
  EXPECT_TRUE(parse_global_options({"-v"}).version);
}

TEST(shim_cli, ArgumentCountsInRuncsWords) {
  const CommandSpec start{"start", "<container-id>", "", {}, false, 1, 1};
  try {
    parse_command(start, {});
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "\"start\" requires exactly 1 argument(s)");
  }
  EXPECT_THROW(parse_command(start, {"a", "b"}), UsageError);
  EXPECT_EQ(parse_command(start, {"a"})->positionals, std::vector<std::string>{"a"});
  const CommandSpec kill{"kill", "", "", {}, true, 1, 2};
  try {
    parse_command(kill, {"a", "b", "c"});
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "\"kill\" requires a maximum of 2 argument(s)");
  }
  EXPECT_FALSE(parse_command(start, {"--help"}).has_value());
}

}  // namespace
}  // namespace ppc::shim
