// libFuzzer target for a saved machine's state.json (--restore-from): the registers in it are
// the guest's, and a file cut short or damaged on disk must be refused, never trusted.
//
// Input: the file's bytes. Must hold: no crash; anything not a whole snapshot only raises
// Error; a decoded snapshot has 1 to 64 vCPUs, each ONE_REG of the size its id states (at most
// 16 bytes), at most 64 devices of at most 64 queues each, and encodes to a file that decodes
// to the same snapshot again.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "base/error.h"
#include "snapshot/machine_snapshot.h"

namespace {

using namespace ppc::vmm;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "snapshot_state_fuzzer: %s\n", what);
  std::abort();
}

bool same(const MachineSnapshot& a, const MachineSnapshot& b) {
  if (a.memory != b.memory || a.radix != b.radix || a.process_table != b.process_table ||
      a.lpcr_mask != b.lpcr_mask || a.lpcr_value != b.lpcr_value || a.host_timebase != b.host_timebase ||
      a.cpus.size() != b.cpus.size() || a.devices != b.devices) {
    return false;
  }
  for (size_t i = 0; i < a.cpus.size(); ++i) {
    const VcpuState &x = a.cpus[i], &y = b.cpus[i];
    if (x.running != y.running || std::memcmp(&x.regs, &y.regs, sizeof x.regs) != 0 ||
        std::memcmp(&x.sregs, &y.sregs, sizeof x.sregs) != 0 || x.one_regs.size() != y.one_regs.size()) {
      return false;
    }
    for (size_t r = 0; r < x.one_regs.size(); ++r)
      if (x.one_regs[r].id != y.one_regs[r].id || x.one_regs[r].bytes != y.one_regs[r].bytes) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  MachineSnapshot snapshot;
  try {
    snapshot = decode_snapshot(text, "state.json");
  } catch (const ppc::Error&) {
    return 0;
  }
  if (snapshot.cpus.empty() || snapshot.cpus.size() > 64) fail("a snapshot with no vCPU or more than 64");
  for (const VcpuState& cpu : snapshot.cpus)
    for (const OneReg& reg : cpu.one_regs)
      if (reg.bytes.size() != one_reg_size(reg.id) || reg.bytes.size() > 16) fail("a register of another size than its id's");
  if (snapshot.devices.size() > 64) fail("more than 64 devices");
  for (const DeviceState& device : snapshot.devices) {
    if (device.transport.queues.size() > 64) fail("a device with more than 64 queues");
    if (device.name.size() > 32) fail("a device name longer than 32");
  }
  if (!same(decode_snapshot(encode_snapshot(snapshot), "again"), snapshot)) fail("encoding changed the snapshot");
  return 0;
}
