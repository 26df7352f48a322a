// pause and resume: SIGSTOP and SIGCONT to the VMM's process tree. A stopped VMM runs no
// vCPU and no device thread: the guest is frozen as a whole, its clock included. A pod's
// later container (which has no VM of its own) is frozen in the pod's guest instead, by its
// agent (the guest's cgroup freezer): the pod's other containers run on.
#include <signal.h>

#include "commands/agent_call.h"
#include "commands/command_spec.h"
#include "commands/commands.h"
#include "commands/container_ops.h"
#include "commands/pod_sandbox.h"
#include "commands/vmm_control.h"
#include "base/scope_exit.h"

namespace ppc::shim {
namespace {

constexpr std::chrono::milliseconds kMoveTimeout{30000};
// The agent waits up to 10 s for a container's processes to freeze.
constexpr std::chrono::milliseconds kFreezeCallTimeout{15000};

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
  // A request the stopped VM's agent would only read once resumed must never be sent: it
  // would freeze or thaw the container behind its state's back.
  if (!open.state.sandbox_id.empty() && pod_vm_paused(context.store, open.state.sandbox_id)) {
    throw Error("container " + open.state.id + "'s pod VM is paused (container " + open.state.sandbox_id +
                "): resume it first");
  }
  // The state first: a command killed right after the signal must not leave a paused VM
  // recorded as running (or the reverse). Put back if the move does not happen.
  const ContainerState before = open.state;
  open.state.status = move.to;
  open.container.write_state(open.state);
  ScopeExit restore([&] { open.container.write_state(before); });
  if (!open.state.sandbox_id.empty()) {
    const protocol::FreezeContainer request{open.state.id, move.to == Status::kPaused};
    const AgentOutcome outcome = call_agent(open.container.agent_socket(open.state), request, kFreezeCallTimeout);
    if (outcome.kind != AgentOutcome::Kind::kOk) {
      throw Error("the agent of container " + open.state.sandbox_id + "'s VM (this container's pod): " + outcome.message);
    }
    restore.dismiss();
    return 0;
  }
  signal_vmm(open.state, move.signal);
  // Done when every thread has stopped (or resumed): a pause that returns has frozen the VM.
  if (!wait_vmm_stopped(vmm_of(open.state), move.to == Status::kPaused, kMoveTimeout))
    throw Error(std::string("the container's VM did not ") + (move.to == Status::kPaused ? "stop" : "resume") +
                " within " + std::to_string(kMoveTimeout.count()) + " ms");
  restore.dismiss();
  return 0;
}

}  // namespace

int run_pause(Context& context, const std::vector<std::string>& args) {
  static const CommandSpec spec{"pause", "<container-id>",
                                "Pauses a running container: its VM's threads are stopped (a pod's later container: its\n"
                                "processes are frozen in the pod's VM).",
                                {}, false, 1, 1};
  return move_paused_state(context, args, spec, PauseMove{Status::kRunning, SIGSTOP, Status::kPaused, "container not running"});
}

int run_resume(Context& context, const std::vector<std::string>& args) {
  static const CommandSpec spec{"resume", "<container-id>", "Resumes a paused container.", {}, false, 1, 1};
  return move_paused_state(context, args, spec, PauseMove{Status::kPaused, SIGCONT, Status::kRunning, "container not paused"});
}

}  // namespace ppc::shim
