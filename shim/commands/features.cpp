// features: what this runtime supports, as the runtime-spec's features document.
#include <cstdio>

#include "commands/command_spec.h"
#include "commands/commands.h"
#include "commands/features_json.h"

namespace ppc::shim {

int run_features(Context&, const std::vector<std::string>& args) {
  static const CommandSpec spec{"features", "", "Prints the features this runtime supports (runtime-spec features.md).", {}, false, 0, 0};
  if (!parse_command(spec, args)) return 0;
  std::printf("%s\n", features_json().dump(4).c_str());
  return 0;
}

}  // namespace ppc::shim
