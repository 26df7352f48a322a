#pragma once
// The virtio devices of a saved (--snapshot-to) or restored (--restore-from) machine: which
// devices may be saved, a restored machine's devices checked against its snapshot, and their
// state (transport, queues, XICS sources) taken from a stopped machine and put into a new one.
#include <memory>
#include <vector>

#include "snapshot/machine_snapshot.h"
#include "virtio/device_config.h"
#include "virtio/device.h"
#include "virtio/mmio.h"

namespace ppc::vmm {

// ConfigError naming the first kind of device whose state a snapshot cannot hold, before any
// device is opened; `flag` and `verb` name what was asked ("--snapshot-to", "saved").
void check_devices_can_be_saved(const DeviceConfig& config, const char* flag, const char* verb);

// ConfigError unless the command line gives the snapshot's devices in its order (the guest's
// device tree, in its RAM, lists them so) and each saved interrupt source is one a virtio
// device can have (edge-triggered, only the bits KVM defines).
void check_devices_match(const MachineSnapshot& snapshot, const std::vector<std::unique_ptr<VirtioDevice>>& devices);

// Every device's transport and interrupt sources, once the vCPUs and the loop thread stopped.
// Why the machine's devices cannot be saved now ("device 2 (virtio-fs): ..."), empty when they
// can: asked before a save stops the guest, so that a refused save leaves it running.
std::string why_devices_not_saveable(const std::vector<std::unique_ptr<MmioTransport>>& transports);
std::vector<DeviceState> capture_devices(const std::vector<std::unique_ptr<MmioTransport>>& transports, int xics_fd);

// The interrupt sources' state into the in-kernel XICS: after the vCPUs are connected to it
// (a pending source is presented to its server), before their presentation state.
void restore_interrupt_sources(const MachineSnapshot& snapshot, const std::vector<std::unique_ptr<MmioTransport>>& transports,
                               int xics_fd);
// The transports' registers and queues.
void restore_devices(const MachineSnapshot& snapshot, const std::vector<std::unique_ptr<MmioTransport>>& transports);
// On the loop thread, once the interrupt sources and the vCPUs are restored and before the
// guest runs: the devices that were live, live again (MmioTransport::reactivate).
void reactivate_devices(const std::vector<std::unique_ptr<MmioTransport>>& transports);

}  // namespace ppc::vmm
