#include "snapshot/device_snapshot.h"

#include <linux/kvm.h>

#include <string>

#include "base/error.h"
#include "config_error.h"
#include "kvm/vm.h"

namespace ppc::vmm {
namespace {

std::string slot(size_t index) { return "device " + std::to_string(index); }

}  // namespace

void check_devices_can_be_saved(const std::vector<std::unique_ptr<VirtioDevice>>& devices, const char* flag,
                                const char* verb) {
  for (const auto& device : devices) {
    if (!device->can_be_saved()) {
      throw ConfigError(std::string(flag) + ": a machine with a virtio-" + device->name() + " device cannot be " + verb +
                        " yet (virtio-rng alone can)");
    }
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
  }
}

std::vector<DeviceState> capture_devices(const std::vector<std::unique_ptr<MmioTransport>>& transports, int xics_fd) {
  std::vector<DeviceState> out;
  for (const auto& transport : transports) {
    const MmioTransport::Interrupts irqs = transport->irqs();
    out.push_back({transport->device().name(), transport->device().device_id(), transport->state(),
                   Vm::get_device_attr(xics_fd, KVM_DEV_XICS_GRP_SOURCES, irqs.used_buffers),
                   Vm::get_device_attr(xics_fd, KVM_DEV_XICS_GRP_SOURCES, irqs.config)});
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
