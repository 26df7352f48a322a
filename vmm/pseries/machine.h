#pragma once
// The pSeries machine: what the user asks for (MachineConfig) and run_machine, which builds
// the machine from its parts (machine_builder.h), runs it until the guest powers off or the
// machine is stopped, and returns the VMM's exit status.
#include <cstdint>
#include <string>

#include "kvm/vm.h"
#include "output_budget.h"
#include "virtio/device_config.h"

namespace ppc::vmm {

struct MachineConfig {
  std::string kernel;
  bool raw_kernel = false;
  std::string initrd;   // empty: none
  std::string cmdline = "console=hvc0 panic=-1";
  uint64_t memory = 512ull << 20;
  unsigned vcpus = 1;
  VmType vm_type = VmType::Auto;
  std::string console = "-";  // "-": the VMM's stderr; else a file, created or truncated
  bool console_input = false; // read the console's input from stdin
  OutputBudget::Limits console_limits = kConsoleFileLimits;  // a console file's bounds
  std::string kvm_path = "/dev/kvm";
  bool stats = false;         // print milestones and exit counts at the end
  DeviceConfig devices;       // virtio-mmio devices
  // --snapshot-to: on SIGUSR2 the machine stops and is saved to this directory (made 0700).
  // --restore-from: the machine continues one saved there instead of booting a kernel.
  std::string snapshot_to;
  bool exit_when_not_saved = false;  // --save-when-ready: a refused save ends the VM (exit 1), not only logged
  std::string restore_from;
};

constexpr unsigned kMaxVcpus = 16;

class Sandbox;

// Boots the guest and returns the VMM's exit status (exit_codes.h). Throws ConfigError for
// problems found before the VM exists, Error for the rest. The sandbox's phases run at their
// points: the jail once every file is open, the privilege drop once the VM exists, each
// thread's seccomp filter before the guest's first instruction.
int run_machine(const MachineConfig& config, Sandbox& sandbox);

}  // namespace ppc::vmm
