#pragma once
// Whether the guest's power-off must sync(). A write() to the share reaches virtiofsd before
// it returns (cache=auto, no writeback cache), and FUSE writes a shared mapping's dirty pages
// back when the mapping goes, so once no other process is left the guest usually holds
// nothing to write. A sync() would then only send FUSE SYNCFS, and virtiofsd would syncfs()
// every host file system under the share (podman's overlay, each volume's): a flush of the
// host's disks that crun does not do when a container stops.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ppc::agent {

// Why the power-off must sync(), or nullopt when nothing is left to write. Call once no process
// but the agent is left: it then waits (up to 2 s) for the share's writes in flight to be
// answered. It syncs for any file system mounted in the agent's namespace that is not the share
// or kept in memory (a disk's ext4 keeps journal-dirty metadata no counter shows; the ones of
// the containers' ended mount namespaces were unmounted, and so flushed, as they ended), and
// when the counters cannot be read.
std::optional<std::string> reason_to_sync();

// The kB of dirty pages, of pages under writeback and of FUSE writes in flight (the "Dirty",
// "Writeback" and "WritebackTmp" lines) in a /proc/meminfo text; nullopt when one is missing
// or not a number.
std::optional<uint64_t> unwritten_kib(std::string_view meminfo);

// The first mount in a /proc/self/mounts text that may hold unwritten data ("ext4 at /mnt"),
// or nullopt when every one is the share or kept in memory.
std::optional<std::string> mount_needing_sync(std::string_view mounts);

}  // namespace ppc::agent
