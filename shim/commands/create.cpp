// create: boot the container's VM and have its agent prepare the process, not start it.
#include <cstdlib>

#include "cli/usage_error.h"
#include "commands/command_spec.h"
#include "commands/commands.h"
#include "commands/create_container.h"

namespace ppc::shim {

int run_create(Context& context, const std::vector<std::string>& args) {
  static const CommandSpec spec{
      "create", "<container-id>",
      "Creates a container from the bundle: boots its VM, whose agent prepares the process of\n"
      "config.json without starting it (see start). The VMM's pid goes to --pid-file; it exits\n"
      "with the container's exit status.",
      {{"bundle", {"b"}, true}, {"console-socket", {}, true}, {"pid-file", {}, true},
       {"no-pivot", {}, false}, {"no-new-keyring", {}, false}, {"preserve-fds", {}, true},
       {"pidfd-socket", {}, true}},
      false, 1, 1};
  const auto flags = parse_command(spec, args);
  if (!flags) return 0;
  if (flags->has("pidfd-socket")) throw UsageError("--pidfd-socket: the container's process is in a VM; there is no host pidfd for it");
  const CreateRequest request = create_request_from(*flags);
  CreatedContainer created = create_container(context, request);
  created.vmm.release();  // the VMM outlives us: the caller (conmon, containerd) reaps it
  return 0;
}

}  // namespace ppc::shim
