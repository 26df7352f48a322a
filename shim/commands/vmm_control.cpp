#include "commands/vmm_control.h"

#include <signal.h>

#include <thread>

#include "base/error.h"
#include "state/process_info.h"

namespace ppc::shim {

void signal_vmm(const VmmIdentity& vmm, int signal) {
  if (!process_running(vmm.pid, vmm.start_time)) return;
  for (const pid_t pid : process_tree(vmm.pid)) ::kill(pid, signal);
}

bool wait_vmm_gone(const VmmIdentity& vmm, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (process_running(vmm.pid, vmm.start_time)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

void kill_vmm(const VmmIdentity& vmm, std::chrono::milliseconds timeout) {
  signal_vmm(vmm, SIGKILL);
  if (!wait_vmm_gone(vmm, timeout)) {
    throw Error("the container's VMM (pid " + std::to_string(vmm.pid) + ") is still running after SIGKILL");
  }
}

}  // namespace ppc::shim
