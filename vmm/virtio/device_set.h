#pragma once
// Every virtio device a machine gets, opened in one place from the user's DeviceConfig: each
// kind of device has one opener in device_set.cpp's list, in the order the guest sees them.
// Adding a device means adding its opener there; the machine itself does not change.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "event_loop.h"
#include "virtio/device.h"
#include "virtio/device_config.h"

namespace ppc::vmm {

struct DeviceEnv {
  EventLoop& loop;
  // A user's path as the VMM must use it later (absolute, for the jail).
  std::function<std::string(const std::string&)> usable_path;
};

// Opens every device's files and sockets now, before any VM exists. Throws ConfigError
// naming the option and the file when one cannot be opened.
std::vector<std::unique_ptr<VirtioDevice>> open_devices(const DeviceConfig& config, DeviceEnv& env);

}  // namespace ppc::vmm
