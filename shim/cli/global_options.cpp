#include "cli/global_options.h"

#include "cli/flag_parser.h"
#include "cli/usage_error.h"

namespace ppc::shim {

GlobalOptions parse_global_options(const std::vector<std::string>& args) {
  static const std::vector<FlagSpec> specs = {
      {"debug", {}, false},          {"log", {}, true},      {"log-format", {}, true},
      {"root", {}, true},            {"systemd-cgroup", {}, false},
      {"rootless", {}, true},  // runc's; accepted and ignored
      {"criu", {}, true},      // runc's; accepted and ignored
      {"version", {"v"}, false},     {"help", {"h"}, false},
  };
  const ParsedFlags flags = parse_flags(specs, args, /*stop_at_first_positional=*/true);
  GlobalOptions o;
  if (flags.has("root")) {
    o.root = flags.value("root");
    o.root_given = true;
    if (o.root.empty()) throw UsageError("--root must not be empty");
  }
  o.log = flags.value("log");
  try {
    o.log_format = parse_log_format(flags.value("log-format", "text"));
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
  o.debug = flags.enabled("debug");
  o.systemd_cgroup = flags.enabled("systemd-cgroup");
  o.version = flags.enabled("version");
  o.help = flags.enabled("help");
  if (!flags.positionals.empty()) {
    o.command = flags.positionals.front();
    o.args.assign(flags.positionals.begin() + 1, flags.positionals.end());
  }
  return o;
}

}  // namespace ppc::shim
