// run: create + start, then wait for the container's VMM (this process's child) and exit
// with its status; the container is deleted afterwards unless --keep. Signals this process
// gets meanwhile go to the container's process, as runc forwards them.
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>

#include "base/scope_exit.h"
#include "commands/agent_call.h"
#include "commands/command_spec.h"
#include "commands/commands.h"
#include "commands/container_ops.h"
#include "commands/create_container.h"
#include "console/pty.h"
#include "log/logger.h"

namespace ppc::shim {
namespace {

constexpr auto kForwardTimeout = std::chrono::seconds(5);
constexpr int kForwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

sigset_t forwarded_set() {
  sigset_t set;
  sigemptyset(&set);
  for (const int sig : kForwarded) sigaddset(&set, sig);
  return set;
}

// The VMM's end wakes the wait at once: SIGCHLD, blocked meanwhile so that one sent between
// try_wait and sigtimedwait stays pending (with the tick alone, a run ended up to 100 ms after
// its VMM).
int wait_forwarding(VmmProcess& vmm, const std::string& socket, const std::string& id) {
  sigset_t child_ended;
  sigemptyset(&child_ended);
  sigaddset(&child_ended, SIGCHLD);
  sigset_t before;
  ::sigprocmask(SIG_BLOCK, &child_ended, &before);
  const ScopeExit restore([&] { ::sigprocmask(SIG_SETMASK, &before, nullptr); });
  sigset_t set = forwarded_set();
  sigaddset(&set, SIGCHLD);
  for (;;) {
    if (const auto status = vmm.try_wait()) return *status;
    const timespec tick{0, 100 * 1000 * 1000};
    const int sig = ::sigtimedwait(&set, nullptr, &tick);
    if (sig <= 0 || sig == SIGCHLD) continue;
    const AgentOutcome outcome =
        call_agent(socket, protocol::Signal{id, std::string(protocol::kInitExecId), sig}, kForwardTimeout);
    if (outcome.kind != AgentOutcome::Kind::kOk) {
      // The VMM stops its guest on SIGTERM, SIGINT and SIGHUP: the next best thing.
      logger().debug("forwarding signal " + std::to_string(sig) + ": " + outcome.message);
      ::kill(vmm.pid(), sig);
    }
  }
}

}  // namespace

int run_run(Context& context, const std::vector<std::string>& args) {
  static const CommandSpec spec{
      "run", "<container-id>",
      "Creates and starts a container, waits for its process and exits with its status.\n"
      "--detach returns once it runs (then it is left for delete, as after create + start).",
      {{"bundle", {"b"}, true}, {"console-socket", {}, true}, {"pid-file", {}, true}, {"detach", {"d"}, false},
       {"keep", {}, false}, {"no-pivot", {}, false}, {"no-new-keyring", {}, false}, {"preserve-fds", {}, true},
       {"no-subreaper", {}, false}},
      false, 1, 1};
  const auto flags = parse_command(spec, args);
  if (!flags) return 0;
  const bool detach = flags->enabled("detach");
  CreateRequest request = create_request_from(*flags);
  request.foreground = !detach;

  // Blocked from here on, so that none is lost before the loop below waits for them (the
  // VMM's start resets its own mask).
  const sigset_t set = forwarded_set();
  ::sigprocmask(SIG_BLOCK, &set, nullptr);

  CreatedContainer created = create_container(context, request);
  std::optional<RawModeGuard> raw;
  if (!detach && request.console_socket.empty()) {
    const oci::Config config = created_config(created.container);
    if (config.process && config.process->terminal) raw.emplace(STDIN_FILENO);
  }
  {
    // A start that fails leaves nothing: the VMM, the cgroup, the share, the poststop hooks
    // run, the directory (as delete would).
    ScopeExit undo_create([&] {
      created.vmm.kill_and_reap();
      destroy_container(created.container, created.state);
    });
    start_container(created.container, created.state);
    undo_create.dismiss();
  }
  if (detach) {
    created.vmm.release();
    return 0;
  }
  const std::string id = created.container.id();
  const std::string socket = created.container.agent_socket(created.state);
  created.container.unlock();  // state, kill and exec work on it meanwhile
  PhaseClock clock("run " + id);
  const int status = wait_forwarding(created.vmm, socket, id);
  clock.lap("the VM ended with status " + std::to_string(status));
  raw.reset();
  if (!flags->enabled("keep")) {
    try {
      const OpenContainer open = open_container(context.store, id);
      destroy_container(open.container, open.state);
    } catch (const ContainerNotFound&) {
      // deleted by someone else meanwhile
    }
  }
  return status;
}

}  // namespace ppc::shim
