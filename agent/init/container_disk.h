#pragma once
// A container root filesystem on a disk instead of in the initramfs: a large rootfs costs
// guest RAM and unpacking time in a cpio. The host passes the image as a read-only
// virtio-blk drive and names it on the kernel command line (PPC_KVM_ROOTFS_DISK=/dev/vda,
// which Linux hands to init as an environment variable); the agent mounts it and puts a
// tmpfs overlay on top, so the container can write without touching the image.
#include <string>

namespace ppc::agent {

// Mounts `device` (ext4, read-only) with a writable overlay at the container root.
void mount_container_disk(const std::string& device);

}  // namespace ppc::agent
