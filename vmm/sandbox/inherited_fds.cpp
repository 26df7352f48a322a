#include "sandbox/inherited_fds.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "base/error.h"

namespace ppc::vmm {

std::vector<int> list_inherited_fds(const std::vector<int>& keep) {
  std::vector<int> fds;
  auto wanted = [&](int fd) { return fd > STDERR_FILENO && std::find(keep.begin(), keep.end(), fd) == keep.end(); };
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    const int own = ::dirfd(dir);
    while (const dirent* entry = ::readdir(dir)) {
      if (entry->d_name[0] == '.') continue;
      const int fd = std::atoi(entry->d_name);
      if (fd != own && wanted(fd)) fds.push_back(fd);
    }
    ::closedir(dir);
    return fds;
  }
  // No /proc: probe every possible descriptor number instead.
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) < 0) throw_errno("getrlimit RLIMIT_NOFILE");
  const rlim_t top = std::min<rlim_t>(limit.rlim_cur, 1 << 16);
  for (int fd = 0; static_cast<rlim_t>(fd) < top; ++fd)
    if (wanted(fd) && ::fcntl(fd, F_GETFD) >= 0) fds.push_back(fd);
  return fds;
}

void close_fds(const std::vector<int>& fds) {
  for (const int fd : fds) ::close(fd);
}

}  // namespace ppc::vmm
