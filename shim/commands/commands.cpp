#include "commands/commands.h"

namespace ppc::shim {

const std::vector<CommandEntry>& command_table() {
  static const std::vector<CommandEntry> table = {
      {"create", "create a container (boot its VM; the process waits for start)", run_create},
      {"start", "start the process of a created container", run_start},
      {"state", "print the state of a container", run_state},
      {"kill", "send a signal to the container's process", run_kill},
      {"delete", "delete a stopped container (--force: any container)", run_delete},
      {"exec", "run another process in a running container", run_exec},
      {"run", "create and start a container, wait for it, delete it", run_run},
      {"ps", "show the host processes of a container (its VMM)", run_ps},
      {"list", "list containers", run_list},
      {"pause", "pause a container (stops its VM's vCPUs)", run_pause},
      {"resume", "resume a paused container", run_resume},
      {"features", "show the features this runtime supports (JSON)", run_features},
      {"spec", "write a default config.json", run_spec},
      {"update", "update a container's resources", run_update},
      {"check", "report what this host can do for the runtime, and fixes", run_check},
  };
  return table;
}

const CommandEntry* find_command(std::string_view name) {
  for (const CommandEntry& entry : command_table()) {
    if (entry.name == name) return &entry;
  }
  return nullptr;
}

}  // namespace ppc::shim
