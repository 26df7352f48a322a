#pragma once
// The virtio devices a user asks for on the command line, before any is opened.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace ppc::vmm {

struct DriveConfig {
  std::string path;
  bool read_only = false;
};

// virtio-fs: a host directory shared through virtiofsd. Empty share_dir: no device.
struct FsShareConfig {
  std::string share_dir;
  std::string tag = "ppc-kvm-share";  // what the guest mounts: mount -t virtiofs TAG DIR
  std::string virtiofsd = "/usr/lib/qemu/virtiofsd";
  std::string virtiofsd_cgroup;  // a cgroup v2 directory the daemon starts in; empty: the VMM's
};

// virtio-net on an existing persistent tap (--net tap=NAME,mac=MAC[,mtu=N][,vhost=on|off]).
struct NetConfig {
  std::string tap;
  std::array<uint8_t, 6> mac{};
  uint16_t mtu = 0;    // 0: none offered (the guest's default)
  bool vhost = false;  // the host kernel's vhost-net moves the frames, not the VMM
  std::string flag;  // "--net <value>" as given, for messages
};

struct DeviceConfig {
  std::vector<DriveConfig> drives;  // virtio-blk, in order (vda, vdb, ...)
  std::string vsock_uds;            // virtio-vsock host socket; empty: no vsock device
  uint64_t vsock_cid = 3;
  bool rng = true;                  // virtio-rng
  FsShareConfig fs;                 // virtio-fs
  std::vector<NetConfig> nics;      // virtio-net, in the guest's interface order (eth0, eth1, ...)
};

}  // namespace ppc::vmm
