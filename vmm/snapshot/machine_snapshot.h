#pragma once
// A saved machine (--snapshot-to, --restore-from): a directory holding `ram`, the guest's RAM
// byte for byte, and `state.json`, everything else KVM and the VMM hold for it (each vCPU's
// registers, the radix process table, the LPCR bits the guest set, the host timebase when it
// was saved, each virtio device's transport and interrupt sources). state.json is written
// last: a directory without a whole one is no snapshot.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "snapshot/device_state.h"
#include "snapshot/vcpu_state.h"

namespace ppc::vmm {

struct MachineSnapshot {
  uint64_t memory = 0;
  bool radix = false;
  std::optional<std::pair<uint64_t, uint64_t>> process_table;  // H_REGISTER_PROC_TBL: flags, table
  uint64_t lpcr_mask = 0, lpcr_value = 0;                       // H_SET_MODE, for later vCPUs
  uint64_t host_timebase = 0;  // the host's timebase when the vCPUs stopped
  std::vector<VcpuState> cpus;
  std::vector<DeviceState> devices;  // in slot order (the guest's device tree lists them so)
};

inline constexpr std::string_view kSnapshotRamFile = "ram";
inline constexpr std::string_view kSnapshotStateFile = "state.json";

std::string encode_snapshot(const MachineSnapshot& snapshot);
// Throws Error naming the field (with `where`, the file) that is missing, malformed or out of
// range.
MachineSnapshot decode_snapshot(std::string_view text, const std::string& where);

// The timebase offset that continues the guest's clock where it stopped: the guest's timebase
// when saved (host's then plus the saved offset) less the host's now.
uint64_t continued_tb_offset(const MachineSnapshot& snapshot, uint64_t saved_offset, uint64_t host_timebase_now);

}  // namespace ppc::vmm
