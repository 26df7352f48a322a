#include "snapshot/machine_restore.h"

#include <cstring>
#include <string>

#include "base/error.h"
#include "config_error.h"
#include "snapshot/snapshot_io.h"

namespace ppc::vmm {

MachineSnapshot load_snapshot_for(const MachineConfig& config) {
  if (!config.kernel.empty() || !config.initrd.empty()) throw ConfigError("--restore-from: drop --kernel and --initrd");
  MachineSnapshot snapshot = read_snapshot_state(config.restore_from);
  if (snapshot.memory != config.memory) {
    throw ConfigError("--memory " + std::to_string(config.memory >> 20) + " MiB: the snapshot in " + config.restore_from +
                      " has " + std::to_string(snapshot.memory >> 20) + " MiB");
  }
  if (snapshot.cpus.size() != config.vcpus) {
    throw ConfigError("--vcpus " + std::to_string(config.vcpus) + ": the snapshot in " + config.restore_from + " has " +
                      std::to_string(snapshot.cpus.size()));
  }
  return snapshot;
}

// KVM-PR keeps a vCPU's decrementer in the kernel where no ioctl reads or writes it (Book3S
// has no ONE_REG for it): a restored guest would wait for its next timer tick forever. A KVM-HV
// hash guest's page table (KVM_PPC_GET_HTAB_FD) is not saved yet.
void check_snapshot_support(const MachineConfig& config, bool hv, bool radix, const MachineSnapshot* restoring) {
  if (config.snapshot_to.empty() && config.restore_from.empty()) return;
  const std::string flag = config.snapshot_to.empty() ? "--restore-from" : "--snapshot-to";
  if (!hv) throw Error(flag + ": a KVM-PR guest cannot be saved or restored: its decrementer is out of reach");
  if (!radix) throw Error(flag + ": a KVM-HV hash guest cannot be saved or restored yet (radix only)");
  if (restoring && !restoring->radix) throw Error(flag + ": the snapshot is not of a radix guest");
}

void restore_vcpus(const MachineSnapshot& snapshot, std::vector<std::unique_ptr<Vcpu>>& vcpus, Vm& vm) {
  // Each vCPU sets the offset again as it resumes; this one keeps the decrementer's expiry in step.
  const uint64_t tb_offset = resumed_tb_offset(snapshot).value_or(0);
  for (size_t id = 0; id < vcpus.size(); ++id) {
    with_context("--restore-from: vCPU " + std::to_string(id),
                 [&] { restore_vcpu_state(*vcpus[id], snapshot.cpus[id], tb_offset); });
  }
  if (snapshot.process_table) vm.configure_v3_mmu(snapshot.process_table->first, snapshot.process_table->second);
}

std::optional<uint64_t> resumed_tb_offset(const MachineSnapshot& snapshot) {
  for (const OneReg& reg : snapshot.cpus[0].one_regs) {
    if (reg.id != KVM_REG_PPC_TB_OFFSET) continue;
    uint64_t saved = 0;
    std::memcpy(&saved, reg.bytes.data(), sizeof saved);
    return continued_tb_offset(snapshot, saved, __builtin_ppc_get_timebase());
  }
  return std::nullopt;
}

}  // namespace ppc::vmm
