#pragma once
// Flags the way runc's CLI takes them (Go's flag conventions): "-name" and "--name" alike,
// a value as "--name value" or "--name=value", a boolean as "--name" or "--name=false",
// "--" ending the flags. Flags may follow positional arguments unless the command stops at
// its first one (exec, kill, ps: what follows the container id belongs to the process).
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ppc::shim {

struct FlagSpec {
  std::string name;                  // "bundle"
  std::vector<std::string> aliases;  // "b"
  bool takes_value = false;
};

class ParsedFlags {
 public:
  // Whether the flag (by its main name) was given at all.
  bool has(std::string_view name) const;
  // Its last value, or `fallback`.
  std::string value(std::string_view name, const std::string& fallback = "") const;
  // Every value, in order (repeatable flags: --env A=1 --env B=2).
  std::vector<std::string> values(std::string_view name) const;
  // A boolean flag: given, and not as =false.
  bool enabled(std::string_view name) const;

  std::vector<std::string> positionals;

 private:
  friend ParsedFlags parse_flags(const std::vector<FlagSpec>&, const std::vector<std::string>&, bool);
  std::map<std::string, std::vector<std::string>, std::less<>> values_;
};

// Throws UsageError with Go's wording ("flag provided but not defined: -x").
// stop_at_first_positional: everything after the first positional argument is positional.
ParsedFlags parse_flags(const std::vector<FlagSpec>& specs, const std::vector<std::string>& args,
                        bool stop_at_first_positional);

// The help text's flag list: "  --bundle value, -b value".
std::string describe_flags(const std::vector<FlagSpec>& specs);

}  // namespace ppc::shim
