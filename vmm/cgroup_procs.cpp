#include "cgroup_procs.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/error.h"
#include "config_error.h"

namespace ppc::vmm {

UniqueFd open_cgroup_procs(const std::string& dir, const std::string& flag) {
  UniqueFd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!d.valid()) throw ConfigError(flag + ": open " + dir + ": " + std::strerror(errno));
  struct statfs fs {};
  if (::fstatfs(d.get(), &fs) < 0) throw_errno(flag + ": statfs " + dir);
  if (fs.f_type != CGROUP2_SUPER_MAGIC) throw ConfigError(flag + " " + dir + ": not a cgroup v2 directory");
  UniqueFd procs(::openat(d.get(), "cgroup.procs", O_WRONLY | O_CLOEXEC));
  if (!procs.valid()) throw_errno(flag + ": open " + dir + "/cgroup.procs");
  return procs;
}

}  // namespace ppc::vmm
