// kill: a signal for the container's process, through the agent. The VMM itself is
// SIGKILLed when that is the only way: SIGKILL for a container that never started or is
// paused, whose agent does not answer, or whose VM has not ended 3 s after the agent took it.
#include <signal.h>

#include "cli/usage_error.h"
#include "commands/agent_call.h"
#include "commands/command_spec.h"
#include "commands/commands.h"
#include "commands/container_ops.h"
#include "commands/vmm_control.h"
#include "log/logger.h"
#include "oci/signals.h"

namespace ppc::shim {
namespace {

constexpr auto kAgentTimeout = std::chrono::seconds(10);
constexpr auto kKillGrace = std::chrono::seconds(3);

}  // namespace

int run_kill(Context& context, const std::vector<std::string>& args) {
  static const CommandSpec spec{
      "kill", "<container-id> [signal]",
      "Sends a signal (default SIGTERM; a name such as KILL or SIGKILL, or a number) to the\n"
      "container's process. --all: with a pid namespace in the guest, signalling the process\n"
      "reaches all; SIGKILL with --all ends the whole VM.",
      {{"all", {"a"}, false}}, true, 1, 2};
  const auto flags = parse_command(spec, args);
  if (!flags) return 0;
  const std::string signal_text = flags->positionals.size() > 1 ? flags->positionals[1] : "SIGTERM";
  const auto signal = oci::signal_number(signal_text);
  if (!signal) throw UsageError("unknown signal \"" + signal_text + "\"");
  const bool all = flags->enabled("all");

  const auto [container, state, status] = open_container(context.store, flags->positionals[0]);
  if (status == Status::kStopped) {
    if (all) return 0;  // runc: nothing left to signal is success with --all
    throw Error("container not running");
  }
  const bool kill_vm = *signal == SIGKILL && (status != Status::kRunning || all);
  if (kill_vm) {
    signal_vmm(state, SIGKILL);
    return 0;
  }
  if (status == Status::kPaused) throw Error("container paused: only SIGKILL reaches a paused container's VM");
  const protocol::Signal request{container.id(), std::string(protocol::kInitExecId), *signal};
  const AgentOutcome outcome = call_agent(container.agent_socket(state), request, kAgentTimeout);
  if (outcome.kind == AgentOutcome::Kind::kOk) {
    // SIGKILL must end the container whatever the guest does: a process the guest cannot
    // reap (stuck on a dead virtiofsd, a wedged kernel) ends with its VM.
    if (*signal == SIGKILL && !wait_vmm_gone(vmm_of(state), kKillGrace)) {
      logger().warning("the container did not end within " + std::to_string(kKillGrace.count()) +
                       " s of SIGKILL; killing its VM");
      signal_vmm(state, SIGKILL);
    }
    return 0;
  }
  if (outcome.kind == AgentOutcome::Kind::kRefused) {
    // The process has exited and the VM is on its way down: as runc, not running.
    if (current_status(state) == Status::kStopped) throw Error("container not running");
    throw Error(outcome.message);
  }
  if (*signal == SIGKILL || status == Status::kCreated) {
    logger().warning("the agent did not take the signal (" + outcome.message + "); killing the container's VM");
    signal_vmm(state, SIGKILL);
    return 0;
  }
  throw Error("cannot reach the container's agent: " + outcome.message);
}

}  // namespace ppc::shim
