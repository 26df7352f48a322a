#include "init/unwritten_data.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <string>

#include "base/unique_fd.h"

namespace ppc::agent {
namespace {

// The number of a "Name:   123 kB" line, or nullopt.
std::optional<uint64_t> field_kib(std::string_view meminfo, std::string_view name) {
  for (size_t at = 0; at < meminfo.size();) {
    size_t end = meminfo.find('\n', at);
    if (end == std::string_view::npos) end = meminfo.size();
    std::string_view line = meminfo.substr(at, end - at);
    at = end + 1;
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

std::optional<uint64_t> guest_unwritten_kib() {
  // The counters are kept per CPU and folded into the totals only now and then: without the
  // fold, a few pages dirtied on another vCPU could read as none.
  const UniqueFd refresh(::open("/proc/sys/vm/stat_refresh", O_WRONLY | O_CLOEXEC));
  if (!refresh.valid() || ::write(refresh.get(), "1", 1) != 1) return std::nullopt;
  const std::optional<std::string> meminfo = read_small_file("/proc/meminfo");
  if (!meminfo) return std::nullopt;
  return unwritten_kib(*meminfo);
}

}  // namespace ppc::agent
