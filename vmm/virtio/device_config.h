#pragma once
// The virtio devices a user asks for on the command line, before any is opened.
#include <cstdint>
#include <string>
#include <vector>

namespace ppc::vmm {

struct DriveConfig {
  std::string path;
  bool read_only = false;
};

struct DeviceConfig {
  std::vector<DriveConfig> drives;  // virtio-blk, in order (vda, vdb, ...)
  std::string vsock_uds;            // virtio-vsock host socket; empty: no vsock device
  uint64_t vsock_cid = 3;
  bool rng = true;                  // virtio-rng
};

}  // namespace ppc::vmm
