#pragma once
// A large container root goes to the guest on a read-only ext4 disk (virtio-blk) instead of
// in the initramfs: a cpio is copied into guest RAM by the VMM, unpacked by the kernel and
// then lives in guest RAM, while a disk is read on demand (tests/bench/rootfs.sh: for 100 MiB,
// 127 MiB of guest RAM against 28 MiB, and the first process starts sooner). The agent mounts
// the disk with a tmpfs overlay on top (agent/init/container_disk.h), so the container still
// writes to its root; the image itself is never written.
#include <cstdint>
#include <string>

namespace ppc::shim {

// What a directory tree holds, without following symlinks.
struct TreeSize {
  uint64_t bytes = 0;    // regular files' sizes, plus a block per directory and symlink
  uint64_t entries = 0;  // files, directories, symlinks and special files
};
TreeSize measure_tree(const std::string& dir);

// The kernel command-line word that tells the agent where its root disk is: the only drive.
inline constexpr const char* kRootfsDiskCmdline = "PPC_KVM_ROOTFS_DISK=/dev/vda";

// Writes `output`, an ext4 image of `rootfs` (owners, modes, links kept) with room for its
// size, with mke2fs -d (e2fsprogs). Complete or absent. Throws Error with mke2fs's message.
void build_rootfs_disk(const std::string& rootfs, const TreeSize& size, const std::string& output);

}  // namespace ppc::shim
