#pragma once
// Every virtio device a machine gets, opened in one place from the user's DeviceConfig: each
// kind of device has one opener in device_set.cpp's list, in the order the guest sees them.
// Adding a device means adding its opener there; the machine itself does not change.
#include <sys/types.h>

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
  // A process a device started (virtiofsd): whoever supervises the VMM reaps it.
  std::function<void(pid_t pid, const std::string& name)> helper_started;
};

// Opens every device's files and sockets now, before any VM exists, and starts the helper
// processes devices need. Throws ConfigError naming the option and the file when one cannot
// be opened.
std::vector<std::unique_ptr<VirtioDevice>> open_devices(const DeviceConfig& config, DeviceEnv& env);

// Guest RAM must be shared when another process maps it to serve a device's queues.
bool needs_shared_memory(const std::vector<std::unique_ptr<VirtioDevice>>& devices);

}  // namespace ppc::vmm
