#pragma once
// The container's file system view, built in the child after it entered a new mount
// namespace: config.json's mounts, devices, masked and read-only paths and sysctls over the
// container root the initramfs holds at kContainerRoot, which then becomes "/".
#include <string>

#include "oci/config.h"

namespace ppc::agent {

// Where the rootfs builder puts the container's root filesystem in the initramfs. The
// bundle's root.path names a host directory and means nothing in the guest.
inline constexpr const char* kContainerRoot = "/rootfs";

// Throws Error naming the mount, path or sysctl that failed. The caller is the child,
// alone in its mount namespace: nothing here changes the agent's own view.
void setup_container_root(const oci::Config& config);

}  // namespace ppc::agent
