#include "host_check/probe_files.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace ppc::shim {

std::optional<std::string> read_small_file(const std::string& path) {
  constexpr std::streamsize kLimit = 1 << 20;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string content(static_cast<size_t>(kLimit), '\0');
  in.read(content.data(), kLimit);
  if (in.bad()) return std::nullopt;
  content.resize(static_cast<size_t>(in.gcount()));
  return content;
}

std::optional<std::string> key_value(const std::string& text, const std::string& key) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    const size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      name.erase(name.find_last_not_of(" \t") + 1);  // cpuinfo pads its keys with tabs
      const size_t value = line.find_first_not_of(" \t", colon + 1);
      if (name == key) return value == std::string::npos ? std::string() : line.substr(value);
    }
    start = end + 1;
  }
  return std::nullopt;
}

bool path_exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

bool is_character_device(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISCHR(st.st_mode);
}

std::string errno_text() { return std::strerror(errno); }

}  // namespace ppc::shim
