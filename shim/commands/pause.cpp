// pause and resume: SIGSTOP and SIGCONT to the VMM's process tree. A stopped VMM runs no
// vCPU and no device thread: the guest is frozen as a whole, its clock included.
#include <signal.h>

#include "commands/command_spec.h"
#include "commands/commands.h"
#include "commands/container_ops.h"
#include "commands/vmm_control.h"

namespace ppc::shim {

int run_pause(Context& context, const std::vector<std::string>& args) {
  static const CommandSpec spec{"pause", "<container-id>", "Pauses a running container: its VM's threads are stopped.", {}, false, 1, 1};
  const auto flags = parse_command(spec, args);
  if (!flags) return 0;
  const LockedContainer container = context.store.open(flags->positionals[0]);
  Status status;
  ContainerState state = read_state_checked(container, status);
  if (status != Status::kRunning) throw Error("container not running");
  signal_vmm(state, SIGSTOP);
  state.status = Status::kPaused;
  container.write_state(state);
  return 0;
}

int run_resume(Context& context, const std::vector<std::string>& args) {
  static const CommandSpec spec{"resume", "<container-id>", "Resumes a paused container.", {}, false, 1, 1};
  const auto flags = parse_command(spec, args);
  if (!flags) return 0;
  const LockedContainer container = context.store.open(flags->positionals[0]);
  Status status;
  ContainerState state = read_state_checked(container, status);
  if (status != Status::kPaused) throw Error("container not paused");
  signal_vmm(state, SIGCONT);
  state.status = Status::kRunning;
  container.write_state(state);
  return 0;
}

}  // namespace ppc::shim
