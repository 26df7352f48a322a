#include "init/power_off_sync.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <thread>

#include "base/error.h"
#include "base/read_file.h"
#include "base/unique_fd.h"

namespace ppc::agent {
namespace {

// Where the agent mounts the kernel's list of FUSE connections (prepare_guest).
constexpr std::string_view kFuseConnections = "/sys/fs/fuse/connections";

// File systems with nothing a power-off could lose: those kept in memory, the kernel's views,
// and the share (virtiofs), whose writes are counted while in flight. Its data stays out of
// Dirty only while virtiofsd runs without a writeback cache (vmm/virtio/virtiofsd.cpp).
constexpr std::array<std::string_view, 19> kNothingToWriteBack = {
    "rootfs", "ramfs",   "tmpfs",      "proc",    "sysfs",   "cgroup", "cgroup2", "devtmpfs", "devpts",  "mqueue",
    "nsfs",   "fusectl", "securityfs", "debugfs", "tracefs", "bpf",    "pstore",  "configfs", "virtiofs"};

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (size_t at = 0; at < text.size();) {
    size_t end = text.find(separator, at);
    if (end == std::string_view::npos) end = text.size();
    parts.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  return parts;
}

struct Mount {
  std::string point;  // octal escapes (\040) kept
  std::string type;
};

// The mounts of a /proc/self/mountinfo text ("id parent major:minor root point options
// [optional fields] - type source super-options"), or nullopt when a line is not one.
std::optional<std::vector<Mount>> parse_mountinfo(std::string_view text) {
  std::vector<Mount> mounts;
  for (std::string_view line : split(text, '\n')) {
    const std::vector<std::string_view> fields = split(line, ' ');
    const auto dash = std::find(fields.begin(), fields.end(), "-");
    if (fields.size() < 6 || dash - fields.begin() < 6 || fields.end() - dash < 2) return std::nullopt;
    mounts.push_back({std::string(fields[4]), std::string(*(dash + 1))});
  }
  return mounts;
}

std::optional<std::vector<Mount>> read_mounts(const GuestView& guest) {
  return guest.mountinfo ? parse_mountinfo(*guest.mountinfo) : std::nullopt;
}

// The number of a "Name:   123 kB" line, or nullopt.
std::optional<uint64_t> field_kib(std::string_view meminfo, std::string_view name) {
  for (std::string_view line : split(meminfo, '\n')) {
    if (!line.starts_with(name) || line.substr(name.size(), 1) != ":") continue;
    line.remove_prefix(name.size() + 1);
    line.remove_prefix(std::min(line.find_first_not_of(' '), line.size()));
    uint64_t kib = 0;
    const auto [rest, err] = std::from_chars(line.data(), line.data() + line.size(), kib);
    if (err != std::errc() || std::string_view(rest, line.data() + line.size() - rest) != " kB") return std::nullopt;
    return kib;
  }
  return std::nullopt;
}

// The whole file, or nullopt when it cannot be read: the caller then syncs.
std::optional<std::string> read_or_none(const std::string& path) {
  try {
    return read_file(path);
  } catch (const Error&) {
    return std::nullopt;
  }
}

std::optional<std::vector<std::string>> directory_entries(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (!dir) return std::nullopt;
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') names.emplace_back(entry->d_name);
  }
  ::closedir(dir);
  return names;
}

// unwritten_kib for this guest, after every CPU's pending counter updates are folded into the
// totals (/proc/sys/vm/stat_refresh): without the fold, pages counted on another vCPU could
// read as none.
std::optional<uint64_t> live_unwritten_kib() {
  const UniqueFd refresh(::open("/proc/sys/vm/stat_refresh", O_WRONLY | O_CLOEXEC));
  if (!refresh.valid() || ::write(refresh.get(), "1", 1) != 1) return std::nullopt;
  const std::optional<std::string> meminfo = read_or_none("/proc/meminfo");
  if (!meminfo) return std::nullopt;
  return unwritten_kib(*meminfo);
}

}  // namespace

GuestView live_guest() {
  return {read_or_none("/proc/self/mountinfo"), [] { return directory_entries(std::string(kFuseConnections)); },
          live_unwritten_kib};
}

std::optional<std::string> reason_to_sync_first(const GuestView& guest) {
  const std::optional<std::vector<Mount>> mounts = read_mounts(guest);
  if (!mounts) return "/proc/self/mountinfo is unreadable";
  const auto listed = [&](const Mount& m) { return m.type == "fusectl" && m.point == kFuseConnections; };
  if (std::none_of(mounts->begin(), mounts->end(), listed)) return "the FUSE connections are not listed";
  const std::optional<std::vector<std::string>> connections = guest.fuse_connections();
  if (!connections) return "the FUSE connections are unreadable";
  // The share is never listed (virtio-fs keeps its connection out of fusectl): every entry is
  // a FUSE file system whose server is a process in the guest.
  if (!connections->empty()) return "FUSE connection " + connections->front() + " is served in the guest";
  return std::nullopt;
}

std::optional<std::string> reason_to_sync(const GuestView& guest, std::chrono::milliseconds writes_timeout) {
  const std::optional<std::vector<Mount>> mounts = read_mounts(guest);
  if (!mounts) return "/proc/self/mountinfo is unreadable";
  for (const Mount& m : *mounts) {
    if (std::find(kNothingToWriteBack.begin(), kNothingToWriteBack.end(), m.type) == kNothingToWriteBack.end()) {
      return m.type + " at " + m.point;
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + writes_timeout;
  for (;;) {
    const std::optional<uint64_t> kib = guest.unwritten_kib();
    if (!kib) return "the page counters are unreadable";
    if (*kib == 0) return std::nullopt;
    if (std::chrono::steady_clock::now() >= deadline) return std::to_string(*kib) + " kB not yet written";
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

std::optional<uint64_t> unwritten_kib(std::string_view meminfo) {
  uint64_t total = 0;
  for (std::string_view name : {"Dirty", "Writeback", "WritebackTmp"}) {
    const std::optional<uint64_t> kib = field_kib(meminfo, name);
    if (!kib) return std::nullopt;
    total += *kib;
  }
  return total;
}

}  // namespace ppc::agent
