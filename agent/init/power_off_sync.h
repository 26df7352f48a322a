#pragma once
// Whether the guest's power-off must sync(). A write() to the share reaches virtiofsd before
// it returns (cache=auto, no writeback cache), and FUSE writes a shared mapping's dirty pages
// back when the mapping goes, so once no other process is left the guest usually holds
// nothing to write. A sync() would then only send FUSE SYNCFS, and virtiofsd would syncfs()
// every host file system under the share (podman's overlay, each volume's): a flush of the
// host's disks that crun does not do when a container stops.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ppc::agent {

// What the power-off reads of the guest (nullopt: unreadable), apart so that tests give their
// own. The mounts are read once, as live_guest() is called: no container mounts anything in
// the agent's namespace (each has its own), so the kill does not change them.
struct GuestView {
  std::optional<std::string> mountinfo;                                       // /proc/self/mountinfo
  std::function<std::optional<std::vector<std::string>>()> fuse_connections;  // /sys/fs/fuse/connections
  std::function<std::optional<uint64_t>()> unwritten_kib;                     // unwritten_kib(), counters folded
};
GuestView live_guest();

// Why the guest must sync() while its processes still run, or nullopt: a FUSE file system
// served in the guest (fuse-overlayfs in a container; the share is not one), whose server ends
// with them; or no way to tell.
std::optional<std::string> reason_to_sync_first(const GuestView& guest);

// Why the power-off must sync() once no process but the agent is left, or nullopt when nothing
// is left to write: a file system mounted in the agent's namespace that is neither the share
// nor kept in memory (a disk's ext4 keeps journal-dirty metadata no counter shows; those of the
// containers' ended mount namespaces were unmounted, and so flushed, as they ended); counters
// that cannot be read; or writes still unanswered after `writes_timeout` (it waits for the
// share's writes in flight: the ended processes' mappings were written back as they exited).
std::optional<std::string> reason_to_sync(const GuestView& guest, std::chrono::milliseconds writes_timeout);

// The kB of dirty pages, of pages under writeback and of FUSE writes in flight (the "Dirty",
// "Writeback" and "WritebackTmp" lines) in a /proc/meminfo text; nullopt when one is missing
// or not a number.
std::optional<uint64_t> unwritten_kib(std::string_view meminfo);

}  // namespace ppc::agent
