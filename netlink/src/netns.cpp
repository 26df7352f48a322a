#include "netconf/netns.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <exception>
#include <thread>

namespace ppc::netconf {
namespace {

constexpr long kNsfsMagic = 0x6e736673;  // NSFS_MAGIC: what a namespace file is on

// Runs fn on a thread of its own and waits; rethrows what it threw.
void on_own_thread(const std::function<void()>& fn) {
  std::exception_ptr failure;
  std::thread worker([&] {
    try {
      fn();
    } catch (...) {
      failure = std::current_exception();
    }
  });
  worker.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace

UniqueFd open_netns(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) throw NetnsGone("network namespace " + path + ": no such file");
    throw_errno("network namespace " + path);
  }
  struct statfs fs {};
  if (::fstatfs(fd.get(), &fs) != 0) throw_errno("network namespace " + path + ": fstatfs");
  if (fs.f_type != kNsfsMagic) throw NetnsGone("network namespace " + path + ": not a namespace (nothing is mounted there)");
  return fd;
}

void run_in_netns(int netns_fd, const std::function<void()>& fn) {
  on_own_thread([&] {
    if (::setns(netns_fd, CLONE_NEWNET) != 0) {
      if (errno == EINVAL) throw NetnsGone("not a network namespace");
      throw_errno("joining a network namespace");
    }
    fn();
  });
}

void create_netns(const std::string& path) {
  UniqueFd file(::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
  if (!file.valid()) throw_errno("create " + path);
  file.reset();
  try {
    on_own_thread([&] {
      if (::unshare(CLONE_NEWNET) != 0) throw_errno("a new network namespace (unshare)");
      const std::string own = "/proc/self/task/" + std::to_string(::syscall(SYS_gettid)) + "/ns/net";
      if (::mount(own.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) != 0) throw_errno("bind " + own + " at " + path);
    });
  } catch (Error&) {
    ::unlink(path.c_str());
    throw;
  }
}

UniqueFd scratch_netns() {
  UniqueFd fd;
  on_own_thread([&] {
    if (::unshare(CLONE_NEWNET) != 0) throw_errno("a new network namespace (unshare)");
    const std::string own = "/proc/self/task/" + std::to_string(::syscall(SYS_gettid)) + "/ns/net";
    fd = UniqueFd(::open(own.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) throw_errno("open " + own);
  });
  return fd;
}

void remove_netns(const std::string& path) {
  if (::umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) throw_errno("unmount " + path);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw_errno("remove " + path);
}

}  // namespace ppc::netconf
