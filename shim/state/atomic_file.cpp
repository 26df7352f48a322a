#include "state/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "base/error.h"
#include "base/scope_exit.h"
#include "base/unique_fd.h"

namespace ppc::shim {

void write_file_atomic(const std::string& path, std::string_view content, mode_t mode) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  const std::string temp = dir + "/." + base + ".tmp" + std::to_string(::getpid());
  UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!fd.valid()) throw_errno("create " + temp);
  ScopeExit remove_temp([&] { ::unlink(temp.c_str()); });
  if (::fchmod(fd.get(), mode) != 0) throw_errno("chmod " + temp);  // not narrowed by the umask
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("write " + temp);
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) throw_errno("fsync " + temp);
  if (::close(fd.release()) != 0) throw_errno("close " + temp);
  if (::rename(temp.c_str(), path.c_str()) != 0) throw_errno("rename " + temp + " to " + path);
  remove_temp.dismiss();
  UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.valid()) ::fsync(dir_fd.get());
}
}  // namespace ppc::shim
