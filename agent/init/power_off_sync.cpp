#include "init/power_off_sync.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <thread>
#include <vector>

#include "base/unique_fd.h"

namespace ppc::agent {
namespace {

// How long the power-off waits for the share's writes in flight to be answered.
constexpr std::chrono::seconds kWritesInFlightTimeout{2};

// File systems with nothing a power-off could lose: those kept in memory, the kernel's views,
// and the share (virtiofs), whose writes are counted while in flight. Its data stays out of
// Dirty only while virtiofsd runs without a writeback cache (vmm/virtio/virtiofsd.cpp).
constexpr std::array<std::string_view, 18> kNothingToWriteBack = {
    "rootfs", "ramfs",      "tmpfs",   "proc",    "sysfs", "cgroup", "cgroup2",  "devtmpfs", "devpts",
    "mqueue", "nsfs",       "securityfs", "debugfs", "tracefs", "bpf", "pstore", "configfs", "virtiofs"};

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  for (size_t at = 0; at < text.size();) {
    size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  return lines;
}

// The number of a "Name:   123 kB" line, or nullopt.
std::optional<uint64_t> field_kib(std::string_view meminfo, std::string_view name) {
  for (std::string_view line : lines_of(meminfo)) {
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

std::optional<std::string> read_small_file(const char* path) {
  const UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return std::nullopt;
  std::string text;
  char chunk[4096];
  for (;;) {
    const ssize_t n = ::read(fd.get(), chunk, sizeof chunk);
    if (n < 0) return std::nullopt;
    if (n == 0) return text;
    text.append(chunk, static_cast<size_t>(n));
  }
}

// unwritten_kib for this guest, after every CPU's pending counter updates are folded into the
// totals (/proc/sys/vm/stat_refresh): without the fold, pages counted on another vCPU could
// read as none.
std::optional<uint64_t> guest_unwritten_kib() {
  const UniqueFd refresh(::open("/proc/sys/vm/stat_refresh", O_WRONLY | O_CLOEXEC));
  if (!refresh.valid() || ::write(refresh.get(), "1", 1) != 1) return std::nullopt;
  const std::optional<std::string> meminfo = read_small_file("/proc/meminfo");
  if (!meminfo) return std::nullopt;
  return unwritten_kib(*meminfo);
}

}  // namespace

std::optional<uint64_t> unwritten_kib(std::string_view meminfo) {
  uint64_t total = 0;
  for (std::string_view name : {"Dirty", "Writeback", "WritebackTmp"}) {
    const std::optional<uint64_t> kib = field_kib(meminfo, name);
    if (!kib) return std::nullopt;
    total += *kib;
  }
  return total;
}

std::optional<std::string> mount_needing_sync(std::string_view mounts) {
  for (std::string_view line : lines_of(mounts)) {
    // "source mount-point type options 0 0"; spaces inside a field are escaped as \040.
    const size_t point = line.find(' ');
    const size_t type = point == std::string_view::npos ? point : line.find(' ', point + 1);
    const size_t options = type == std::string_view::npos ? type : line.find(' ', type + 1);
    if (options == std::string_view::npos) return "an unreadable line in /proc/self/mounts";
    const std::string_view name = line.substr(type + 1, options - type - 1);
    if (std::find(kNothingToWriteBack.begin(), kNothingToWriteBack.end(), name) == kNothingToWriteBack.end()) {
      return std::string(name) + " at " + std::string(line.substr(point + 1, type - point - 1));
    }
  }
  return std::nullopt;
}

std::optional<std::string> reason_to_sync() {
  const std::optional<std::string> mounts = read_small_file("/proc/self/mounts");
  if (!mounts) return "/proc/self/mounts is unreadable";
  if (std::optional<std::string> mount = mount_needing_sync(*mounts)) return mount;
  // The ended processes' mappings were written back as they exited; the answers may still be
  // on their way.
  const auto deadline = std::chrono::steady_clock::now() + kWritesInFlightTimeout;
  for (;;) {
    const std::optional<uint64_t> kib = guest_unwritten_kib();
    if (!kib) return "the page counters are unreadable";
    if (*kib == 0) return std::nullopt;
    if (std::chrono::steady_clock::now() >= deadline) return std::to_string(*kib) + " kB not yet written";
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace ppc::agent
