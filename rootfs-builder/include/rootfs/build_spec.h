#pragma once
// What goes into a guest initramfs: the agent as /init, the container's root filesystem
// under a prefix, and a few extra files.
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ppc::rootfs {

// Directories the agent mounts on (devtmpfs, proc, sysfs, tmpfs) while it still runs from
// the initramfs, before it pivots into the container's root. Each is emitted as an empty
// root-owned 0755 directory unless something in the archive already provides it.
inline constexpr std::array<std::string_view, 5> kGuestDirectories = {"/dev", "/proc", "/sys", "/tmp", "/run"};

// Where the container's root filesystem lands, so that the agent can pivot_root into it.
inline constexpr std::string_view kDefaultPrefix = "/rootfs";

// A host file copied into the archive, owned by root.
struct ExtraFile {
  std::string source;            // host path; symlinks are followed; must be a regular file
  std::string dest;              // absolute path in the archive, e.g. "/etc/resolv.conf"
  std::optional<uint32_t> mode;  // permission bits (up to 07777); default: the source's
};

struct BuildSpec {
  std::string agent;   // becomes /init, mode 0755, uid/gid 0
  std::string rootfs;  // directory whose contents go under `prefix`, owners and modes kept;
                       // empty: only `prefix` itself (the root comes on a disk)
  std::string prefix = std::string(kDefaultPrefix);  // absolute; "/" puts the contents at the top
  std::vector<ExtraFile> extras;
  // Every entry gets this mtime (seconds) instead of its own: builds of trees that differ
  // only in timestamps then give identical bytes.
  std::optional<uint32_t> mtime;
  // Receives warnings (a skipped socket); unset: they go to stderr.
  std::function<void(const std::string&)> warn;
};

}  // namespace ppc::rootfs
