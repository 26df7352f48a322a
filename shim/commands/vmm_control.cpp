#include "commands/vmm_control.h"

#include <signal.h>

#include <thread>

#include "base/error.h"
#include "state/process_info.h"

namespace ppc::shim {

void signal_vmm(const ContainerState& state, int signal) {
  if (!process_running(state.pid, state.pid_start_time)) return;
  for (const pid_t pid : process_tree(state.pid)) ::kill(pid, signal);
}

bool wait_vmm_gone(const ContainerState& state, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (process_running(state.pid, state.pid_start_time)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

void kill_vmm(const ContainerState& state, std::chrono::milliseconds timeout) {
  signal_vmm(state, SIGKILL);
  if (!wait_vmm_gone(state, timeout)) {
    throw Error("the container's VMM (pid " + std::to_string(state.pid) + ") is still running after SIGKILL");
  }
}

}  // namespace ppc::shim
