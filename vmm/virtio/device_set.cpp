#include "virtio/device_set.h"

#include "config_error.h"
#include "virtio/blk.h"
#include "virtio/rng.h"
#include "virtio/vsock.h"

namespace ppc::vmm {
namespace {

using Devices = std::vector<std::unique_ptr<VirtioDevice>>;
using Opener = void (*)(const DeviceConfig&, DeviceEnv&, Devices&);

void open_drives(const DeviceConfig& config, DeviceEnv&, Devices& out) {
  for (const auto& drive : config.drives) out.push_back(std::make_unique<BlkDevice>(drive.path, drive.read_only));
}

void open_vsock(const DeviceConfig& config, DeviceEnv& env, Devices& out) {
  if (config.vsock_uds.empty()) return;
  if (config.vsock_cid < 3 || config.vsock_cid > 0xffffffffull)
    throw ConfigError("--vsock-cid " + std::to_string(config.vsock_cid) + ": 3 or more (0-2 are reserved)");
  out.push_back(std::make_unique<VsockDevice>(env.loop, config.vsock_cid, env.usable_path(config.vsock_uds)));
}

void open_rng(const DeviceConfig& config, DeviceEnv&, Devices& out) {
  if (config.rng) out.push_back(std::make_unique<RngDevice>());
}

// The guest numbers devices of a kind in this order (vda, vdb, ... follow --drive).
constexpr Opener kOpeners[] = {open_drives, open_vsock, open_rng};

}  // namespace

std::vector<std::unique_ptr<VirtioDevice>> open_devices(const DeviceConfig& config, DeviceEnv& env) {
  Devices devices;
  try {
    for (const Opener open : kOpeners) open(config, env, devices);
  } catch (const ConfigError&) {
    throw;
  } catch (const Error& e) {
    throw ConfigError(e.what());
  }
  return devices;
}

}  // namespace ppc::vmm
