#pragma once
// What a machine that is saved (--snapshot-to) or restored (--restore-from) must be, and the
// restore's steps into a new VM: the snapshot checked against the command line, the saved
// registers into new vCPUs, the radix process table to KVM again, the guest's clock continued.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "kvm/vcpu.h"
#include "kvm/vm.h"
#include "pseries/machine.h"
#include "snapshot/machine_snapshot.h"

namespace ppc::vmm {

// --restore-from's state.json, checked against the command line (--memory, --vcpus, no
// kernel); ConfigError naming the option.
MachineSnapshot load_snapshot_for(const MachineConfig& config);

// Error unless KVM gave the VM a flavour that can be saved and restored: KVM-HV radix.
void check_snapshot_support(const MachineConfig& config, bool hv, bool radix, const MachineSnapshot* restoring);

// The saved registers into the new vCPUs and the radix process table to KVM.
void restore_vcpus(const MachineSnapshot& snapshot, std::vector<std::unique_ptr<Vcpu>>& vcpus, Vm& vm);

// The timebase offset that continues the guest's clock from now on, the same for every vCPU
// (their timebases must agree); none for a vCPU without one (KVM-PR).
std::optional<uint64_t> resumed_tb_offset(const MachineSnapshot& snapshot);

}  // namespace ppc::vmm
