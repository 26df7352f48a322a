#pragma once
// The VM's shared file system (virtio-fs, protocol/shared_fs.h): mounted once, at the first
// container that asks for it, at kSharedFsGuestPath, where the host put the containers'
// roots and bind sources. Not before: a guest with no container yet has touched no host file.
#include <string>

namespace ppc::agent {

// Mounts the virtio-fs tagged `tag` unless it is mounted already. Throws Error.
void mount_shared_fs(const std::string& tag);

// True when `path` (a container's root.path) lies in the shared file system.
bool in_shared_fs(const std::string& path);

}  // namespace ppc::agent
