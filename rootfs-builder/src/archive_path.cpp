#include "archive_path.h"

#include <algorithm>

#include "base/error.h"

namespace ppc::rootfs {

std::string archive_name(std::string_view path, bool allow_root) {
  const std::string quoted = "'" + std::string(path) + "'";
  if (path.empty() || path.front() != '/') throw Error(quoted + " is not an absolute path");
  if (path.find('\0') != std::string_view::npos) throw Error(quoted + " contains a NUL byte");
  std::string name;
  size_t i = 0;
  while (i < path.size()) {
    const size_t end = std::min(path.find('/', i), path.size());
    const std::string_view part = path.substr(i, end - i);
    i = end + 1;
    if (part.empty()) continue;
    if (part == "." || part == "..") throw Error(quoted + " has a '" + std::string(part) + "' component");
    if (!name.empty()) name += '/';
    name += part;
  }
  if (name.empty() && !allow_root) throw Error(quoted + " names the archive's root, not a file");
  return name;
}

std::string_view parent_name(std::string_view name) {
  const size_t slash = name.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : name.substr(0, slash);
}

}  // namespace ppc::rootfs
