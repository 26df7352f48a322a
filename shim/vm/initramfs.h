#pragma once
// The guest's initramfs for one container: the agent as /init and the bundle's root
// filesystem under /rootfs (rootfs_builder; `rootfs` empty: an empty /rootfs, the root comes
// on a disk, see rootfs_disk.h), bind-mount sources under /binds/<n>. Copied
// files are extra files of that build; copied directories (with their subdirectories,
// symlinks and modes) follow as a second cpio archive appended to the first, which the
// kernel unpacks after it (an initramfs may be several concatenated archives).
#include <cstdint>
#include <string>
#include <vector>

#include "vm/bind_mounts.h"

namespace ppc::shim {

// Writes `output` (complete or not at all) and returns its size in bytes. Throws Error.
uint64_t build_container_initramfs(const std::string& agent, const std::string& rootfs,
                                   const std::vector<BindCopy>& binds, const std::string& output);

}  // namespace ppc::shim
