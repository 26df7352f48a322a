#pragma once
// A bind mount's source is a host path, which the guest cannot see. Each one is copied into
// the initramfs under /binds/<mount index> and the mount's source becomes that guest path:
//  - a regular file (podman's /etc/hosts, /etc/resolv.conf, /run/.containerenv, ...): copied;
//  - a directory: copied with everything in it, up to a size limit, else an error naming
//    mounts[i] (a large directory needs a shared filesystem this runtime does not have);
//  - a character or block device: left alone, the guest's own node of that path is bound;
//  - anything else (socket, fifo) or a missing source: an error naming mounts[i].
// Copies are one-way snapshots taken at create: writes in the guest stay in the guest.
#include <cstdint>
#include <string>
#include <vector>

#include "oci/config.h"

namespace ppc::shim {

inline constexpr const char* kGuestBindDir = "/binds";

struct BindCopy {
  size_t mount_index = 0;
  std::string host_source;  // absolute
  std::string guest_path;   // /binds/<mount_index>
  bool directory = false;
  friend bool operator==(const BindCopy&, const BindCopy&) = default;
};

// Decides the copies. Relative sources are relative to the bundle. Throws Error naming the
// mount (mounts[3] (/etc/hosts): ...).
std::vector<BindCopy> plan_bind_copies(const oci::Config& config, const std::string& bundle, uint64_t max_directory_bytes);

// Points each copied mount's source at its guest path; a mount of type "bind" without a
// bind option gets "bind" (runc's reading of it).
void apply_bind_copies(oci::Config& config, const std::vector<BindCopy>& copies);

}  // namespace ppc::shim
