#include "commands/vmm_control.h"

#include <dirent.h>
#include <signal.h>

#include <fstream>
#include <string>

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

namespace {

// Whether every thread of every process of the tree is in state T (stopped), or (want false)
// none is.
bool tree_stopped_as(pid_t root, bool want) {
  for (const pid_t pid : process_tree(root)) {
    const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
    DIR* dir = ::opendir(tasks.c_str());
    if (!dir) continue;  // gone meanwhile
    while (const dirent* entry = ::readdir(dir)) {
      if (entry->d_name[0] == '.') continue;
      std::ifstream stat(tasks + "/" + entry->d_name + "/stat");
      std::string line;
      std::getline(stat, line);
      const size_t close = line.rfind(')');
      if (close == std::string::npos || close + 2 >= line.size()) continue;
      const bool stopped = line[close + 2] == 'T' || line[close + 2] == 't';
      if (stopped != want) {
        ::closedir(dir);
        return false;
      }
    }
    ::closedir(dir);
  }
  return true;
}

}  // namespace

bool wait_vmm_stopped(const VmmIdentity& vmm, bool stopped, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (process_running(vmm.pid, vmm.start_time) && !tree_stopped_as(vmm.pid, stopped)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return process_running(vmm.pid, vmm.start_time);
}

void kill_vmm(const VmmIdentity& vmm, std::chrono::milliseconds timeout) {
  signal_vmm(vmm, SIGKILL);
  if (!wait_vmm_gone(vmm, timeout)) {
    throw Error("the container's VMM (pid " + std::to_string(vmm.pid) + ") is still running after SIGKILL");
  }
}

}  // namespace ppc::shim
