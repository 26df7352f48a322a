#include "commands/container_ops.h"

#include <functional>
#include <variant>

#include "base/scope_exit.h"
#include "cli/usage_error.h"
#include "commands/agent_call.h"
#include "commands/container_network.h"
#include "commands/create_container.h"
#include "commands/fault_points.h"
#include "commands/ledger.h"
#include "commands/vmm_control.h"
#include "hooks/hooks.h"
#include "log/logger.h"
#include "state/state_views.h"
#include "vm/container_cgroup.h"

namespace ppc::shim {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(60);
constexpr auto kKillTimeout = std::chrono::seconds(10);

std::string hook_state(const ContainerState& state, Status status) { return hook_state_json(state, status).dump(); }

}  // namespace

OpenContainer open_container(const StateStore& store, const std::string& id) {
  LockedContainer container = store.open(id);
  Status status;
  ContainerState state = read_state_checked(container, status);
  return OpenContainer{std::move(container), std::move(state), status};
}

ContainerState read_state_checked(const LockedContainer& container, Status& status) {
  ContainerState state = container.read_state();
  status = current_status(state);
  return state;
}

void start_container(const LockedContainer& container, ContainerState& state) {
  PhaseClock clock("start " + state.id);
  const oci::Config config = created_config(container);
  run_hooks("startContainer", config.hooks.start_container, hook_state(state, Status::kCreated));
  // Interfaces the engine added after create (ctr run --cni), before the process can use them.
  connect_late_network(container);
  // "running" first: a start killed after the agent started the process must not leave it
  // recorded as created; put back when the agent did not start it.
  const ContainerState created = state;
  state.status = Status::kRunning;
  container.write_state(state);
  ScopeExit restore([&] {
    state = created;
    container.write_state(state);
  });
  fault_point("start.state-written");
  const AgentOutcome outcome = call_agent(container.agent_socket(state), protocol::Start{container.id()}, kStartTimeout);
  switch (outcome.kind) {
    case AgentOutcome::Kind::kOk: break;
    case AgentOutcome::Kind::kRefused: throw StatusError(outcome.message, outcome.exit_status);
    case AgentOutcome::Kind::kUnreachable: throw Error("cannot reach the container's agent: " + outcome.message);
  }
  restore.dismiss();
  clock.lap("agent started the process");
  fault_point("start.started");
  run_hooks_warn("poststart", config.hooks.poststart, hook_state(state, Status::kRunning));
}

void undo_container(const LockedContainer& container, const std::function<void()>& before_directory) {
  std::vector<MadeThing> made;
  try {
    made = Ledger(container.dir()).read();
  } catch (const Error& e) {
    logger().warning(std::string("undoing what the ledger does not say: ") + e.what());
  }
  // The directory goes last, after before_directory: everything else is undone by then.
  std::erase_if(made, [](const MadeThing& t) { return std::holds_alternative<MadeStateDirectory>(t); });
  undo_newest_first(made);
  fault_point("delete.undone");
  if (before_directory) before_directory();
  container.remove();
}

void destroy_container(const LockedContainer& container, const ContainerState& state) {
  PhaseClock clock("delete " + state.id);
  kill_vmm(state, kKillTimeout);  // also in the ledger; first, so that nothing below is in use
  clock.lap("VMM gone");
  fault_point("delete.vmm-killed");
  undo_container(container, [&] {
    try {
      const oci::Config config = created_config(container);
      run_hooks_warn("poststop", config.hooks.poststop, hook_state(state, Status::kStopped));
    } catch (const Error& e) {
      logger().warning(std::string("poststop hooks not run: ") + e.what());
    }
  });
}

}  // namespace ppc::shim
