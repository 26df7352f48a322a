// ppc-kvm-vmm: the microVM monitor. Parses the command line, runs the machine, and is the one
// place that prints errors.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "boot_timing.h"
#include "cli.h"
#include "config_error.h"
#include "exit_codes.h"
#include "base/unique_fd.h"
#include "container/container_relay.h"
#include "container/pod_member.h"
#include "container/save_when_ready.h"
#include "log.h"
#include "probe.h"
#include "pseries/machine.h"
#include "sandbox/sandbox.h"
#include "sandbox/syscall_roles.h"

namespace {

using namespace ppc::vmm;

// Container mode: the relay reads its request now, while files may be opened, and runs
// as the sandbox's companion, beside the machine (in the jail when there is one).
std::unique_ptr<ContainerRelay> container_relay(const CliOptions& options, Sandbox& sandbox) {
  if (options.container_request.empty()) return nullptr;
  const std::string& agent_socket = options.join_vm.empty() ? options.machine.devices.vsock_uds : options.join_vm;
  auto relay = std::make_unique<ContainerRelay>(options.container_request, options.ready_fd,
                                                sandbox.usable_path(agent_socket), options.until_adopted);
  relay->set_restored(!options.machine.restore_from.empty());
  ContainerRelay* s = relay.get();
  Companion companion;
  companion.start = [s, &sandbox](StopMachine stop) {
    s->start([&sandbox] { sandbox.enter_thread(Role::Control, "control"); }, std::move(stop));
  };
  // The guest powers off once the status reached us; the rest (output flushed) follows.
  companion.exit_status = [s] { return s->exit_status(std::chrono::seconds(10)); };
  companion.keep_fds = s->fds();
  sandbox.set_companion(std::move(companion));
  return relay;
}

// In container mode this process's stdio are the container's (the relay has its copies):
// the VMM's own messages go to --log instead, and it reads nothing.
void send_own_output_to(const std::string& log_file) {
  ppc::UniqueFd log(::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (!log.valid()) throw ConfigError("--log " + log_file + ": " + std::strerror(errno));
  ppc::UniqueFd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!null.valid() || ::dup2(null.get(), STDIN_FILENO) < 0 || ::dup2(log.get(), STDOUT_FILENO) < 0 ||
      ::dup2(log.get(), STDERR_FILENO) < 0) {
    throw ConfigError("--log " + log_file + ": redirecting the VMM's output: " + std::strerror(errno));
  }
}

// In container mode the VMM ends as its container did: the status the agent reported once the
// guest powered off; 128+N when a signal stopped the VM (as a killed container); kContainerLost
// when the relay stopped it (the agent's session broke: logged by the machine); and when the
// guest ended without reporting one (a panic, a VMM failure, a power-off without a status),
// kContainerLost, never 0 (the reason is in the log).
int container_status(int vmm_code, std::optional<int> reported) {
  if (vmm_code == exit_code::kPowerOff && reported) return *reported;
  if (vmm_code > 128) return vmm_code;
  log_line("the container's exit status never reached the VMM (VMM status " + std::to_string(vmm_code) + "): exit " +
           std::to_string(exit_code::kContainerLost));
  return exit_code::kContainerLost;
}

}  // namespace

// --save-when-ready: the companion that asks for the save once the agent answers.
std::unique_ptr<SaveWhenReady> save_when_ready(const CliOptions& options, Sandbox& sandbox) {
  if (!options.save_when_ready) return nullptr;
  auto saver = std::make_unique<SaveWhenReady>(sandbox.usable_path(options.machine.devices.vsock_uds), std::chrono::seconds(300));
  SaveWhenReady* s = saver.get();
  Companion companion;
  companion.start = [s, &sandbox](StopMachine stop) {
    s->start([&sandbox] { sandbox.enter_thread(Role::Control, "control"); }, std::move(stop));
  };
  sandbox.set_companion(std::move(companion));
  return saver;
}

int main(int argc, char** argv) {
  const BootTiming boot_timing;  // before anything else: the process's own start-up counts
  // A reader that went away (the container's stdout, the creator) is an error on that write,
  // never the death of the VM.
  ::signal(SIGPIPE, SIG_IGN);
  std::unique_ptr<ContainerRelay> relay;
  try {
    const CliOptions options = parse_cli(std::vector<std::string>(argv + 1, argv + argc));
    if (options.help) {
      std::fputs(usage().c_str(), stdout);
      return 0;
    }
    if (options.print_seccomp) {
      std::fputs(render_allowlists().c_str(), stdout);
      return 0;
    }
    if (options.probe) {
      print_probe(options.machine.kvm_path);
      return 0;
    }
    Sandbox sandbox(options.sandbox);
    relay = container_relay(options, sandbox);
    const std::unique_ptr<SaveWhenReady> saver = save_when_ready(options, sandbox);
    if (relay) send_own_output_to(options.log_file);
    sandbox.start();  // before anything else is opened: it lists the fds we inherited
    if (!options.join_vm.empty()) return run_pod_member(options.join_vm, sandbox, *relay);
    if (options.print_boot_times) boot_timing.print_machine_start(stderr);
    const int code = run_machine(options.machine, sandbox);
    if (!relay) return code;
    relay->report_failure("the VMM stopped before the container was created");
    return container_status(code, sandbox.companion_exit_status());
  } catch (const ConfigError& e) {
    log_line(e.what());
    if (relay) relay->report_failure(e.what());
    return exit_code::kUsage;
  } catch (const std::exception& e) {
    log_line(e.what());
    if (relay) relay->report_failure(e.what());
    return relay ? exit_code::kContainerLost : exit_code::kVmmError;
  }
}
