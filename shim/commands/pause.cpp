// pause and resume: SIGSTOP and SIGCONT to the VMM's process tree. A stopped VMM runs no
// vCPU and no device thread: the guest is frozen as a whole, its clock included.
#include <signal.h>

#include "commands/command_spec.h"
#include "commands/commands.h"
#include "commands/container_ops.h"
#include "commands/vmm_control.h"

namespace ppc::shim {
namespace {

// One of the two moves between running and paused.
struct PauseMove {
  Status from;
  int signal;
  Status to;
  const char* refusal;  // the error for a container not in `from`
};

int move_paused_state(Context& context, const std::vector<std::string>& args, const CommandSpec& spec,
                      const PauseMove& move) {
  const auto flags = parse_command(spec, args);
  if (!flags) return 0;
  OpenContainer open = open_container(context.store, flags->positionals[0]);
  if (open.status != move.from) throw Error(move.refusal);
  signal_vmm(open.state, move.signal);
  open.state.status = move.to;
  open.container.write_state(open.state);
  return 0;
}

}  // namespace

int run_pause(Context& context, const std::vector<std::string>& args) {
  static const CommandSpec spec{"pause", "<container-id>", "Pauses a running container: its VM's threads are stopped.", {}, false, 1, 1};
  return move_paused_state(context, args, spec, PauseMove{Status::kRunning, SIGSTOP, Status::kPaused, "container not running"});
}

int run_resume(Context& context, const std::vector<std::string>& args) {
  static const CommandSpec spec{"resume", "<container-id>", "Resumes a paused container.", {}, false, 1, 1};
  return move_paused_state(context, args, spec, PauseMove{Status::kPaused, SIGCONT, Status::kRunning, "container not paused"});
}

}  // namespace ppc::shim
