// delete: remove a container's state (and its VM, when forced or never started).
#include <filesystem>

#include "commands/command_spec.h"
#include "commands/commands.h"
#include "commands/container_ops.h"
#include "commands/pod_sandbox.h"
#include "log/logger.h"
#include "state/container_id.h"

namespace ppc::shim {

int run_delete(Context& context, const std::vector<std::string>& args) {
  static const CommandSpec spec{
      "delete", "<container-id>",
      "Deletes a stopped container's state. A created container (never started) is killed\n"
      "and deleted, as runc does; a running one only with --force (SIGKILL to its VM).",
      {{"force", {"f"}, false}}, false, 1, 1};
  const auto flags = parse_command(spec, args);
  if (!flags) return 0;
  const std::string& id = flags->positionals[0];
  const bool force = flags->enabled("force");
  validate_container_id(id);
  std::optional<LockedContainer> container;
  try {
    container.emplace(context.store.open(id));
    Status status;
    const ContainerState state = read_state_checked(*container, status);
    if (!force && (status == Status::kRunning || status == Status::kPaused)) {
      throw Error("cannot delete container " + id + " that is not stopped: " + std::string(status_name(status)));
    }
    // Engines delete a pod's containers in any order (podman: by id, each with --force). The
    // members end with this VM; their binds go with its share, so their own delete finds
    // nothing left to unmount.
    const std::vector<std::string> members = pod_members(context.store, id);
    if (!members.empty()) {
      std::string list;
      for (const std::string& m : members) list += (list.empty() ? "" : ", ") + m;
      logger().debug("deleting the VM of the pod's container(s) " + list);
    }
    destroy_container(*container, state);
  } catch (const ContainerNotFound&) {
    // A directory without state.json is what an interrupted create leaves: undo what its
    // ledger says it made, and remove it.
    if (container) undo_container(*container);
    if (force) return 0;
    throw;
  }
  return 0;
}

}  // namespace ppc::shim
