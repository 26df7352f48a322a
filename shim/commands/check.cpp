// check: what this host can do for the runtime and what is missing, each with its fix
// (host_check/). Exit status 0 only when a container can run here.
#include <cstdio>

#include "cli/usage_error.h"
#include "commands/command_spec.h"
#include "commands/commands.h"
#include "host_check/check_report.h"
#include "host_check/host_checks.h"

namespace ppc::shim {
namespace {

// Bad usage is status 2 here, as for other check tools: 1 already means "this host lacks something".
constexpr int kUsageStatus = 2;

std::optional<ParsedFlags> parse_check_flags(const std::vector<std::string>& args) {
  static const CommandSpec spec{"check", "",
                                "Reports what this host can do for ppc-kvm-shim and what is missing, each with its fix.\n"
                                "Exit status: 0 a container can run here, 1 something it needs is missing, 2 bad usage.",
                                {{"format", {"f"}, true}}, false, 0, 0};
  try {
    return parse_command(spec, args);
  } catch (const UsageError& e) {
    throw StatusError(e.what(), kUsageStatus);
  }
}

}  // namespace

int run_check(Context&, const std::vector<std::string>& args) {
  const auto flags = parse_check_flags(args);
  if (!flags) return 0;
  const std::string format = flags->value("format", "text");
  if (format != "text" && format != "json")
    throw StatusError("--format: expected text or json, got \"" + format + "\"", kUsageStatus);
  const std::vector<CheckResult> results = run_host_checks(HostRoots{}, load_settings_for_check());
  if (format == "json") std::printf("%s\n", check_report_json(results).dump(2).c_str());
  else std::fputs(check_report_text(results).c_str(), stdout);
  return check_exit_status(results);
}

}  // namespace ppc::shim
