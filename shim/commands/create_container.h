#pragma once
// create's work, shared by create and run: from a bundle to a VM whose agent has created the
// container (its process not started yet), and reading back what create decided.
#include <string>

#include "cli/flag_parser.h"
#include "commands/context.h"
#include "oci/config.h"
#include "state/state_store.h"
#include "vm/vmm_process.h"

namespace ppc::shim {

struct CreateRequest {
  std::string id;
  std::string bundle;          // as given; "" is the current directory
  std::string pid_file;        // "" for none
  std::string console_socket;  // "" for none
  int preserve_fds = 0;
  // run without --detach: a terminal process may use this process's own terminal.
  bool foreground = false;
};

// create's and run's shared flags (--bundle, --pid-file, --console-socket, --preserve-fds)
// and the container id.
CreateRequest create_request_from(const ParsedFlags& flags);

struct CreatedContainer {
  LockedContainer container;
  ContainerState state;
  VmmProcess vmm;  // the shim's child; create releases it, run waits for it
};

// Validates everything, builds the VM's files, starts the VMM and waits for its agent to
// create the container; runs the prestart, createRuntime and createContainer hooks; writes
// state.json and the pid file. Any failure leaves nothing behind (no directory, no cgroup,
// no VMM). The steps are listed in create_container.cpp, in order.
CreatedContainer create_container(const Context& context, const CreateRequest& request);

// The config the container was created with (bind sources rewritten), from create.json.
oci::Config created_config(const LockedContainer& container);

}  // namespace ppc::shim
