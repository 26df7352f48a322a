#pragma once
// The pSeries machine: guest RAM, the KVM VM and its vCPU threads, the device tree, RTAS,
// hypercalls and the in-kernel XICS, from set-up to the guest's power-off.
#include <cstdint>
#include <string>
#include <vector>

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

  // virtio-mmio devices.
  struct Drive {
    std::string path;
    bool read_only = false;
  };
  std::vector<Drive> drives;  // virtio-blk, in order (vda, vdb, ...)
  std::string vsock_uds;      // virtio-vsock host socket; empty: no vsock device
  uint64_t vsock_cid = 3;
  bool rng = true;            // virtio-rng
};

// Guest physical layout of the virtio-mmio windows: above any RAM we accept.
constexpr uint64_t kVirtioMmioBase = 0x10000000000ull;  // 1 TiB
constexpr uint64_t kVirtioMmioStride = 0x1000;
constexpr uint32_t kVirtioFirstIrq = 0x1000;  // XICS source numbers of the devices

constexpr unsigned kMaxVcpus = 16;

class Sandbox;

// Boots the guest and returns the VMM's exit status (exit_codes.h). Throws ConfigError for
// problems found before the VM exists, Error for the rest. The sandbox's phases run at their
// points: the jail once every file is open, the privilege drop once the VM exists, each
// thread's seccomp filter before the guest's first instruction.
int run_machine(const MachineConfig& config, Sandbox& sandbox);

}  // namespace ppc::vmm
