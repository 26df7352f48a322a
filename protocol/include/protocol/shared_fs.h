#pragma once
// The VM's shared file system (virtio-fs), as host and agent both name it: the device's tag,
// and where the agent mounts it in the guest (out of every container's sight: a container's
// root is moved over "/" above it). The host's share directory holds, per container,
// <id>/root (its root file system) and <id>/m<i> (the source of its mounts[i]).
#include <string>
#include <string_view>

namespace ppc::protocol {

inline constexpr std::string_view kSharedFsTag = "ppc-kvm-share";
inline constexpr std::string_view kSharedFsGuestPath = "/share";

inline std::string shared_root_in_guest(const std::string& container_id) {
  return std::string(kSharedFsGuestPath) + "/" + container_id + "/root";
}
inline std::string shared_mount_source_in_guest(const std::string& container_id, size_t mount_index) {
  return std::string(kSharedFsGuestPath) + "/" + container_id + "/m" + std::to_string(mount_index);
}

}  // namespace ppc::protocol
