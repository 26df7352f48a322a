// start: the agent executes the created container's process.
#include "commands/command_spec.h"
#include "commands/commands.h"
#include "commands/container_ops.h"

namespace ppc::shim {

int run_start(Context& context, const std::vector<std::string>& args) {
  static const CommandSpec spec{"start", "<container-id>", "Starts the process of a created container.", {}, false, 1, 1};
  const auto flags = parse_command(spec, args);
  if (!flags) return 0;
  OpenContainer open = open_container(context.store, flags->positionals[0]);
  switch (open.status) {
    case Status::kCreated: break;
    case Status::kStopped: throw Error("cannot start a container that has stopped");
    case Status::kRunning: throw Error("cannot start an already running container");
    default: throw Error("cannot start a container in the " + std::string(status_name(open.status)) + " state");
  }
  start_container(open.container, open.state);
  return 0;
}

}  // namespace ppc::shim
