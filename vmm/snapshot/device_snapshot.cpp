#include "snapshot/device_snapshot.h"

#include <linux/kvm.h>

#include <string>

#include "base/error.h"
#include "base/hex.h"
#include "config_error.h"
#include "kvm/vm.h"

namespace ppc::vmm {
namespace {

std::string slot(size_t index) { return "device " + std::to_string(index); }

// A saved source of a virtio device: edge-triggered (its irqfd), with only the bits KVM defines.
void check_source(uint64_t value, const std::string& field) {
  constexpr uint64_t kKnown = KVM_XICS_DESTINATION_MASK | uint64_t{KVM_XICS_PRIORITY_MASK} << KVM_XICS_PRIORITY_SHIFT |
                              KVM_XICS_LEVEL_SENSITIVE | KVM_XICS_MASKED | KVM_XICS_PENDING | KVM_XICS_PRESENTED |
                              KVM_XICS_QUEUED;
  if ((value & ~kKnown) || (value & KVM_XICS_LEVEL_SENSITIVE)) {
    throw ConfigError("--restore-from: " + field + " " + hex(value) + " is not an edge-triggered XICS source's state");
  }
}

}  // namespace

void check_devices_can_be_saved(const DeviceConfig& config, const char* flag, const char* verb) {
  // virtio-rng and virtio-vsock hold nothing a snapshot cannot: rng answers each request at
  // once, vsock's streams end and the driver is told (VsockDevice::after_restore). virtio-fs
  // and virtio-net can while the guest has not used them (VirtioDevice::saved_only_unused). A
  // disk's requests in flight are not saved yet.
  if (!config.drives.empty()) {
    throw ConfigError(std::string(flag) + ": a machine with virtio-blk (--drive) cannot be " + verb +
                      " yet (virtio-rng, virtio-vsock, virtio-fs and virtio-net can)");
  }
}

void check_devices_match(const MachineSnapshot& snapshot, const std::vector<std::unique_ptr<VirtioDevice>>& devices) {
  if (snapshot.devices.size() != devices.size()) {
    throw ConfigError("--restore-from: the snapshot has " + std::to_string(snapshot.devices.size()) +
                      " virtio device(s), the command line " + std::to_string(devices.size()));
  }
  for (size_t i = 0; i < devices.size(); ++i) {
    const DeviceState& saved = snapshot.devices[i];
    if (saved.device_id != devices[i]->device_id()) {
      throw ConfigError("--restore-from: " + slot(i) + " is virtio-" + saved.name + " in the snapshot, virtio-" +
                        devices[i]->name() + " on the command line");
    }
    check_source(saved.used_buffers_source, slot(i) + "'s used_buffers_source");
    check_source(saved.config_source, slot(i) + "'s config_source");
  }
}

std::string why_devices_not_saveable(const std::vector<std::unique_ptr<MmioTransport>>& transports) {
  for (size_t i = 0; i < transports.size(); ++i) {
    const std::string why = transports[i]->why_not_saveable();
    if (!why.empty()) return slot(i) + " (virtio-" + transports[i]->device().name() + "): " + why;
  }
  return {};
}

std::vector<DeviceState> capture_devices(const std::vector<std::unique_ptr<MmioTransport>>& transports, int xics_fd) {
  std::vector<DeviceState> out;
  for (size_t i = 0; i < transports.size(); ++i) {
    MmioTransport& transport = *transports[i];
    with_context(slot(i) + " (virtio-" + transport.device().name() + ")", [&] {
      transport.before_save();
      const MmioTransport::Interrupts irqs = transport.irqs();
      out.push_back({transport.device().name(), transport.device().device_id(), transport.state(),
                     Vm::get_device_attr(xics_fd, KVM_DEV_XICS_GRP_SOURCES, irqs.used_buffers),
                     Vm::get_device_attr(xics_fd, KVM_DEV_XICS_GRP_SOURCES, irqs.config)});
    });
  }
  return out;
}

void restore_interrupt_sources(const MachineSnapshot& snapshot, const std::vector<std::unique_ptr<MmioTransport>>& transports,
                               int xics_fd) {
  for (size_t i = 0; i < transports.size(); ++i) {
    const MmioTransport::Interrupts irqs = transports[i]->irqs();
    with_context("--restore-from: " + slot(i) + "'s interrupt sources", [&] {
      Vm::set_device_attr(xics_fd, KVM_DEV_XICS_GRP_SOURCES, irqs.used_buffers, snapshot.devices[i].used_buffers_source);
      Vm::set_device_attr(xics_fd, KVM_DEV_XICS_GRP_SOURCES, irqs.config, snapshot.devices[i].config_source);
    });
  }
}

void restore_devices(const MachineSnapshot& snapshot, const std::vector<std::unique_ptr<MmioTransport>>& transports) {
  for (size_t i = 0; i < transports.size(); ++i) {
    with_context("--restore-from: " + slot(i) + " (virtio-" + transports[i]->device().name() + ")",
                 [&] { transports[i]->restore(snapshot.devices[i].transport); });
  }
}

void reactivate_devices(const std::vector<std::unique_ptr<MmioTransport>>& transports) {
  for (const auto& transport : transports) transport->reactivate();
}

}  // namespace ppc::vmm
