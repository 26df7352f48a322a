#include "container/guest_cgroup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

#include "base/error.h"
#include "log.h"
#include "write_text.h"

namespace ppc::agent {
namespace {

std::atomic<unsigned> next_number{1};

// cgroup.events' "frozen" line: 1 once every process of the cgroup is frozen.
bool events_say_frozen(const std::string& events) {
  const UniqueFd fd(::open(events.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) throw_errno(events);
  char buffer[256];
  const ssize_t n = ::read(fd.get(), buffer, sizeof buffer - 1);
  if (n < 0) throw_errno("reading " + events);
  const std::string text(buffer, static_cast<size_t>(n));
  return text.find("frozen 1") != std::string::npos;
}

}  // namespace

GuestCgroup::GuestCgroup(const std::string& parent) {
  path_ = parent + "/container-" + std::to_string(next_number++);
  if (::mkdir(path_.c_str(), 0755) != 0) throw_errno("making the container's cgroup " + path_);
  procs_ = UniqueFd(::open((path_ + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC));
  if (!procs_.valid()) {
    const int saved = errno;
    ::rmdir(path_.c_str());
    errno = saved;
    throw_errno(path_ + "/cgroup.procs");
  }
}

GuestCgroup::~GuestCgroup() {
  procs_.reset();
  if (::rmdir(path_.c_str()) != 0) {
    log_line("warning: removing the container's cgroup " + path_ + ": " + std::strerror(errno));
  }
}

void GuestCgroup::set_frozen(bool frozen, std::chrono::milliseconds timeout) {
  write_text(path_ + "/cgroup.freeze", frozen ? "1" : "0");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (events_say_frozen(path_ + "/cgroup.events") != frozen) {
    if (std::chrono::steady_clock::now() >= deadline) {
      if (frozen) write_text(path_ + "/cgroup.freeze", "0");
      throw Error(std::string("the container's processes did not ") + (frozen ? "freeze" : "thaw") + " within " +
                  std::to_string(timeout.count()) + " ms (" + path_ + ")");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  frozen_ = frozen;
}

void join_cgroup(int procs_fd) {
  if (::write(procs_fd, "0", 1) != 1) throw_errno("joining the container's cgroup");
}

}  // namespace ppc::agent
