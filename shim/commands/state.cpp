// state: runc's state JSON for one container.
#include <sys/stat.h>

#include <cstdio>

#include "commands/command_spec.h"
#include "commands/commands.h"
#include "commands/container_ops.h"
#include "state/state_views.h"

namespace ppc::shim {

int run_state(Context& context, const std::vector<std::string>& args) {
  static const CommandSpec spec{"state", "<container-id>", "Prints the state of a container as JSON.", {}, false, 1, 1};
  const auto flags = parse_command(spec, args);
  if (!flags) return 0;
  const auto [container, state, status] = open_container(context.store, flags->positionals[0]);
  struct stat st {};
  const uid_t owner = ::stat(container.dir().c_str(), &st) == 0 ? st.st_uid : 0;
  // runc prints it indented and without a final newline.
  std::fputs(runc_state_json(state, status, owner_name(owner)).dump(2).c_str(), stdout);
  return 0;
}

}  // namespace ppc::shim
