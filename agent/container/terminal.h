#pragma once
// process.terminal: a pty opened inside the container (its own devpts instance, so the
// process sees /dev/pts/0 as its tty), the slave made the controlling terminal and stdio,
// the master handed to the agent.
#include "base/unique_fd.h"
#include "oci/config.h"

namespace ppc::agent {

// In the child after the root is set up and setsid(): returns the master.
UniqueFd open_container_terminal(const std::optional<oci::ConsoleSize>& size);

// Sets a terminal's window size (rows, cols).
void set_window_size(int fd, unsigned rows, unsigned cols);

}  // namespace ppc::agent
