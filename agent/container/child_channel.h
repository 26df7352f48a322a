#pragma once
// The agent and a child it forked for a container process talk over a socketpair: the child
// reports that it is set up (Ready), or why it failed (Error), and may pass the pty master
// it opened inside the container (Terminal) and the container's mounts from the share
// (SharedMount, rootfs_setup.h); the agent tells it to go ahead (Start). A child
// that execs successfully closes its end (close-on-exec): the agent reads EOF.
#include <optional>
#include <string>

#include "base/unique_fd.h"

namespace ppc::agent {

struct ChildReport {
  enum class Kind { kReady, kError, kTerminal, kSharedMount, kExecuted };  // kExecuted: EOF after exec
  Kind kind = Kind::kReady;
  int exit_status = 0;    // kError
  std::string message;    // kError
  UniqueFd terminal;      // kTerminal
  UniqueFd mount;         // kSharedMount
};

// Child side. These never throw: the child reports and exits.
void report_ready(int channel);
void report_error(int channel, int exit_status, const std::string& message);
void report_terminal(int channel, int master_fd);
void report_shared_mount(int channel, int mount_fd);
// Blocks until the agent sends Start; false when the agent went away.
bool wait_for_start(int channel);

// Agent side.
ChildReport read_report(int channel);
void send_start(int channel);

}  // namespace ppc::agent
