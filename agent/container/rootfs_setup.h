#pragma once
// The container's file system view, built in the child after it entered a new mount
// namespace: config.json's mounts, devices, masked and read-only paths and sysctls over the
// container root the initramfs holds at kContainerRoot, which then becomes "/".
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "oci/config.h"

namespace ppc::agent {

// Where the rootfs builder puts the container's root filesystem in the initramfs. The
// bundle's root.path names a host directory and means nothing in the guest.
inline constexpr const char* kContainerRoot = "/rootfs";

// Throws Error naming the mount, path or sysctl that failed. The caller is the child,
// alone in its mount namespace: nothing here changes the agent's own view.
//
// Returns descriptors (O_PATH) of the container's directories bound from the share: its root
// and its volumes. virtiofsd announces each as a FUSE submount, which the walk to it mounts
// in the child's namespace, and which would die with that namespace: the container's last
// process would evict, in its exit, all the guest cached under them (60-70 ms of an `echo hi`
// in the rig) before its parent learns that it ended. Held by the agent instead, they go
// with the container.
std::vector<UniqueFd> setup_container_root(const oci::Config& config);

}  // namespace ppc::agent
