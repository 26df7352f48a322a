#include "cli/flag_parser.h"

#include "cli/usage_error.h"

namespace ppc::shim {

bool ParsedFlags::has(std::string_view name) const { return values_.find(name) != values_.end(); }

std::string ParsedFlags::value(std::string_view name, const std::string& fallback) const {
  const auto it = values_.find(name);
  return it == values_.end() || it->second.empty() ? fallback : it->second.back();
}

std::vector<std::string> ParsedFlags::values(std::string_view name) const {
  const auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

bool ParsedFlags::enabled(std::string_view name) const { return has(name) && value(name) == "true"; }

namespace {

const FlagSpec* find_spec(const std::vector<FlagSpec>& specs, std::string_view name) {
  for (const FlagSpec& spec : specs) {
    if (spec.name == name) return &spec;
    for (const std::string& alias : spec.aliases) {
      if (alias == name) return &spec;
    }
  }
  return nullptr;
}

// Go's strconv.ParseBool, which the flag package uses for "--flag=value".
bool parse_bool(const std::string& flag, const std::string& text) {
  if (text == "1" || text == "t" || text == "T" || text == "true" || text == "TRUE" || text == "True") return true;
  if (text == "0" || text == "f" || text == "F" || text == "false" || text == "FALSE" || text == "False") return false;
  throw UsageError("invalid boolean value \"" + text + "\" for -" + flag);
}

}  // namespace

ParsedFlags parse_flags(const std::vector<FlagSpec>& specs, const std::vector<std::string>& args,
                        bool stop_at_first_positional) {
  ParsedFlags parsed;
  bool flags_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (flags_done || arg.size() < 2 || arg[0] != '-') {
      parsed.positionals.push_back(arg);
      if (stop_at_first_positional) flags_done = true;
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      continue;
    }
    std::string body = arg.substr(arg[1] == '-' ? 2 : 1);
    if (body.empty() || body[0] == '-' || body[0] == '=') throw UsageError("bad flag syntax: " + arg);
    std::string name = body;
    std::string inline_value;
    bool has_inline = false;
    if (const size_t eq = body.find('='); eq != std::string::npos) {
      name = body.substr(0, eq);
      inline_value = body.substr(eq + 1);
      has_inline = true;
    }
    const FlagSpec* spec = find_spec(specs, name);
    if (spec == nullptr) throw UsageError("flag provided but not defined: -" + name);
    std::string value;
    if (!spec->takes_value) {
      value = has_inline ? (parse_bool(name, inline_value) ? "true" : "false") : "true";
    } else if (has_inline) {
      value = inline_value;
    } else {
      if (i + 1 >= args.size()) throw UsageError("flag needs an argument: -" + name);
      value = args[++i];
    }
    parsed.values_[spec->name].push_back(value);
  }
  return parsed;
}

std::string describe_flags(const std::vector<FlagSpec>& specs) {
  std::string out;
  for (const FlagSpec& spec : specs) {
    out += "   --" + spec.name + (spec.takes_value ? " value" : "");
    for (const std::string& alias : spec.aliases) {
      out += ", -" + alias + (spec.takes_value ? " value" : "");
    }
    out += "\n";
  }
  return out;
}

}  // namespace ppc::shim
