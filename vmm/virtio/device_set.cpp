#include "virtio/device_set.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "config_error.h"
#include "log.h"
#include "virtio/blk.h"
#include "virtio/fs.h"
#include "virtio/net.h"
#include "virtio/rng.h"
#include "virtio/tap.h"
#include "virtio/vhost_net.h"
#include "virtio/virtiofsd.h"
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

// Each tap is attached in the network namespace the VMM starts in (the container's); the fd
// keeps it when the jail moves the VMM into a namespace of its own. vhost=on: the kernel's
// vhost-net moves its frames (opened here, before the jail hides the device node).
void open_nics(const DeviceConfig& config, DeviceEnv& env, Devices& out) {
  for (size_t i = 0; i < config.nics.size(); ++i) {
    const NetConfig& nic = config.nics[i];
    for (size_t j = 0; j < i; ++j)
      if (config.nics[j].tap == nic.tap) throw ConfigError(nic.flag + ": tap " + nic.tap + " is given twice");
    with_context(nic.flag, [&] {
      auto tap = std::make_unique<TapBackend>(nic.tap);
      if (nic.vhost)
        out.push_back(std::make_unique<VhostNetDevice>(std::move(tap), std::make_unique<KernelVhostNet>(), nic.mac, nic.mtu));
      else
        out.push_back(std::make_unique<NetDevice>(env.loop, std::move(tap), nic.mac, nic.mtu));
    });
  }
}

int64_t milliseconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t).count();
}

// The share: an existing directory, as an absolute path virtiofsd's option syntax can carry.
std::string share_dir(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) < 0) throw ConfigError("--fs-share " + dir + ": " + std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) throw ConfigError("--fs-share " + dir + ": not a directory");
  const std::string absolute = std::filesystem::absolute(dir).lexically_normal().string();
  if (absolute.find(',') != std::string::npos)
    throw ConfigError("--fs-share " + dir + ": a comma cannot pass through virtiofsd's -o source=");
  return absolute;
}

// Last: it starts a process, which must not happen when another device's file is bad.
void open_fs(const DeviceConfig& config, DeviceEnv& env, Devices& out) {
  if (config.fs.share_dir.empty()) return;
  const std::string dir = share_dir(config.fs.share_dir);
  with_context("--fs-tag", [&] { FsDevice::check_tag(config.fs.tag); });
  const auto start = std::chrono::steady_clock::now();
  Virtiofsd daemon = start_virtiofsd({config.fs.virtiofsd, dir, config.fs.virtiofsd_cgroup});
  if (env.helper_started) env.helper_started(daemon.pid, "virtiofsd");
  log_line("virtio-fs: virtiofsd (pid " + std::to_string(daemon.pid) + ") shares " + dir + " as tag '" +
           config.fs.tag + "' (started in " + std::to_string(milliseconds_since(start)) + " ms)");
  out.push_back(std::make_unique<FsDevice>(env.loop, config.fs.tag, std::move(daemon.socket)));
}

// The guest numbers devices of a kind in this order (vda, vdb, ... follow --drive).
constexpr Opener kOpeners[] = {open_drives, open_vsock, open_rng, open_nics, open_fs};

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

bool needs_shared_memory(const std::vector<std::unique_ptr<VirtioDevice>>& devices) {
  return std::any_of(devices.begin(), devices.end(), [](const auto& d) { return d->needs_shared_ram(); });
}

}  // namespace ppc::vmm
