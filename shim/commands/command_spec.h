#pragma once
// How a command describes itself: its flags and usage, parsed the same way for all.
#include <optional>
#include <string>
#include <vector>

#include "cli/flag_parser.h"

namespace ppc::shim {

struct CommandSpec {
  std::string name;
  std::string arguments;    // "<container-id>"
  std::string description;  // a few lines
  std::vector<FlagSpec> flags;
  bool stop_at_first_positional = false;
  size_t min_args = 0;
  size_t max_args = 0;  // SIZE_MAX: no limit
};

// Parses the command's arguments; --help/-h prints its help and gives nullopt (exit 0).
// A wrong number of positional arguments is a UsageError in runc's words.
std::optional<ParsedFlags> parse_command(const CommandSpec& spec, const std::vector<std::string>& args);

std::string command_help(const CommandSpec& spec);

}  // namespace ppc::shim
