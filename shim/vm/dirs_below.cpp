#include "vm/dirs_below.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "base/error.h"

namespace ppc::shim {

std::vector<std::string> path_components(const std::string& path) {
  std::vector<std::string> parts;
  std::istringstream in(path);
  for (std::string part; std::getline(in, part, '/');) {
    if (!part.empty() && part != ".") parts.push_back(part);
  }
  return parts;
}

DirBelow make_dirs_below(const UniqueFd& root, const std::vector<std::string>& components) {
  DirBelow at;
  at.fd = UniqueFd(::fcntl(root.get(), F_DUPFD_CLOEXEC, 3));
  if (!at.fd.valid()) throw_errno("dup");
  std::string walked;
  for (const std::string& name : components) {
    walked += "/" + name;
    if (name == "..") return DirBelow{UniqueFd(), walked, "\"..\""};
    if (::mkdirat(at.fd.get(), name.c_str(), 0755) != 0 && errno != EEXIST) throw_errno("mkdir " + walked);
    UniqueFd next(::openat(at.fd.get(), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next.valid()) {
      const bool link_or_file = errno == ELOOP || errno == ENOTDIR;
      return DirBelow{UniqueFd(), walked, link_or_file ? "a symbolic link or a file, not a directory" : std::strerror(errno)};
    }
    at.fd = std::move(next);
  }
  return at;
}

}  // namespace ppc::shim
