#include "container/open_or_create.h"

#include <cerrno>

namespace ppc::agent {

UniqueFd open_or_create(const std::string& path, int flags, mode_t mode) {
  for (int round = 0; round < 2; ++round) {
    UniqueFd fd(::open(path.c_str(), flags));
    if (fd.valid() || errno != ENOENT) return fd;
    fd = UniqueFd(::open(path.c_str(), flags | O_CREAT | O_EXCL, mode));
    if (fd.valid() || errno != EEXIST) return fd;
  }
  // Missing to open, present to create, twice: a dangling symlink (O_EXCL never follows one).
  // Created through it as open(O_CREAT) always did; no other guest races for such a name.
  return UniqueFd(::open(path.c_str(), flags | O_CREAT, mode));
}

}  // namespace ppc::agent
