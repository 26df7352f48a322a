#pragma once
// The pSeries machine: guest RAM, the KVM VM and its vCPU threads, the device tree, RTAS,
// hypercalls and the in-kernel XICS, from set-up to the guest's power-off.
#include <cstdint>
#include <string>

#include "kvm/vm.h"

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
  std::string kvm_path = "/dev/kvm";
  bool stats = false;         // print milestones and exit counts at the end
};

constexpr unsigned kMaxVcpus = 16;

// Boots the guest and returns the VMM's exit status (exit_codes.h). Throws ConfigError for
// problems found before the VM exists, Error for the rest.
int run_machine(const MachineConfig& config);

}  // namespace ppc::vmm
