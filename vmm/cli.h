#pragma once
// The VMM's command line.
#include <string>
#include <vector>

#include "pseries/machine.h"
#include "sandbox/sandbox_config.h"

namespace ppc::vmm {

struct CliOptions {
  MachineConfig machine;
  SandboxConfig sandbox;
  bool probe = false;
  bool help = false;
  bool print_seccomp = false;  // print each thread role's seccomp allowlist and exit
  bool print_boot_times = false;  // start-up milestones before the machine starts (implies --stats)
  // Container mode (the shim's VMM): the agent's CreateContainer request as JSON, and the
  // inherited fd that gets "ok" or "error <status> <message>" once the container is created.
  std::string container_request;
  int ready_fd = -1;
  bool until_adopted = false;  // the creator answers "adopted" on the ready fd; else the VM stops
  bool save_when_ready = false;  // --snapshot-to: saved once the agent answers (a template)
  std::string log_file;  // container mode: where the VMM's own messages go
  // A pod's later container: no machine; the agent behind this socket (the pod VM's
  // --vsock-uds) creates it.
  std::string join_vm;
};

// Throws ConfigError naming the bad flag or value.
CliOptions parse_cli(const std::vector<std::string>& args);
// "512M", "1G", "65536": a size in bytes (K, M, G are powers of 1024).
uint64_t parse_size(const std::string& text);
std::string usage();

}  // namespace ppc::vmm
