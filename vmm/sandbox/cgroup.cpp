#include "sandbox/cgroup.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "base/error.h"
#include "base/unique_fd.h"
#include "config_error.h"

namespace ppc::vmm {

void join_cgroup(const std::string& dir) {
  UniqueFd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!d.valid()) {
    try { throw_errno("open " + dir); } catch (const Error& e) { throw ConfigError(std::string("--cgroup: ") + e.what()); }
  }
  struct statfs fs {};
  if (::fstatfs(d.get(), &fs) < 0) throw_errno("--cgroup: statfs " + dir);
  if (fs.f_type != CGROUP2_SUPER_MAGIC) throw ConfigError("--cgroup " + dir + ": not a cgroup v2 directory");
  UniqueFd procs(::openat(d.get(), "cgroup.procs", O_WRONLY | O_CLOEXEC));
  if (!procs.valid()) throw_errno("--cgroup: open " + dir + "/cgroup.procs");
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::write(procs.get(), pid.data(), pid.size()) != static_cast<ssize_t>(pid.size()))
    throw_errno("--cgroup: joining " + dir);
}

}  // namespace ppc::vmm
