#include "commands/command_spec.h"

#include <cstdio>

#include "cli/usage_error.h"

namespace ppc::shim {

std::string command_help(const CommandSpec& spec) {
  std::string help = "usage: ppc-kvm-shim " + spec.name + (spec.flags.empty() ? "" : " [command options]") +
                     (spec.arguments.empty() ? "" : " " + spec.arguments) + "\n\n" + spec.description + "\n";
  if (!spec.flags.empty()) help += "\noptions:\n" + describe_flags(spec.flags);
  return help;
}

std::optional<ParsedFlags> parse_command(const CommandSpec& spec, const std::vector<std::string>& args) {
  std::vector<FlagSpec> flags = spec.flags;
  flags.push_back({"help", {"h"}, false});
  ParsedFlags parsed = parse_flags(flags, args, spec.stop_at_first_positional);
  if (parsed.enabled("help")) {
    std::fputs(command_help(spec).c_str(), stdout);
    return std::nullopt;
  }
  const size_t n = parsed.positionals.size();
  auto fail = [&](const char* kind, size_t count) {
    throw UsageError("\"" + spec.name + "\" requires " + kind + std::to_string(count) + " argument(s)");
  };
  if (spec.min_args == spec.max_args && n != spec.min_args) fail("exactly ", spec.min_args);
  if (n < spec.min_args) fail("a minimum of ", spec.min_args);
  if (n > spec.max_args) fail("a maximum of ", spec.max_args);
  return parsed;
}

}  // namespace ppc::shim
