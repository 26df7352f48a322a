// start: the agent executes the created container's process.
#include "commands/command_spec.h"
#include "commands/commands.h"
#include "commands/container_ops.h"

namespace ppc::shim {

int run_start(Context& context, const std::vector<std::string>& args) {
  static const CommandSpec spec{"start", "<container-id>", "Starts the process of a created container.", {}, false, 1, 1};
  const auto flags = parse_command(spec, args);
  if (!flags) return 0;
  LockedContainer container = context.store.open(flags->positionals[0]);
  Status status;
  ContainerState state = read_state_checked(container, status);
  switch (status) {
    case Status::kCreated: break;
    case Status::kStopped: throw Error("cannot start a container that has stopped");
    case Status::kRunning: throw Error("cannot start an already running container");
    default: throw Error("cannot start a container in the " + std::string(status_name(status)) + " state");
  }
  start_container(container, state);
  return 0;
}

}  // namespace ppc::shim
