#include "init/shared_fs.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "base/error.h"
#include "log.h"
#include "protocol/shared_fs.h"
#include "write_text.h"

namespace ppc::agent {
namespace {

// The share's read-ahead. The virtiofsd's cache=auto drops a file's cached pages whenever
// the file is opened again, so every exec reads its program through the share anew. Linux's
// default window (128 KiB) then takes a round trip to virtiofsd for each 128 KiB. Larger
// windows cut an exec from the share from 82 to 53 ms in the rig (2.5 MB busybox), and
// sequential reads go 1.5-1.8x faster. It is the size network file systems use (CephFS's
// default is 8 MiB). Reads at random offsets open no window beyond what they ask; a mapping's
// faults read up to this much around them (until the kernel sees the mapping miss ~100 times):
// clean pages, dropped first under memory pressure.
constexpr const char* kShareReadAheadKiB = "4096";

// A missed tuning costs speed, not correctness: logged, and the share is used as it is.
void raise_read_ahead(const std::string& mount_point) {
  // The stat must stay first: it is a request to virtiofsd, which waits for the FUSE start-up
  // exchange, whose answer caps the read-ahead at the daemon's 128 KiB. A write before that
  // answer would be undone.
  struct stat st {};
  if (::stat(mount_point.c_str(), &st) != 0) {
    const int err = errno;
    log_line("the shared file system's read-ahead: stat " + mount_point + ": " + std::strerror(err));
    return;
  }
  // A FUSE mount's backing device is named by the mount's anonymous device number; the
  // submounts virtiofsd announces (the containers' roots and binds) share it.
  const std::string knob = "/sys/class/bdi/" + std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev)) +
                           "/read_ahead_kb";
  try {
    write_text(knob, kShareReadAheadKiB);
  } catch (const Error& e) {
    log_line(std::string("the shared file system's read-ahead: ") + e.what());
  }
}

}  // namespace

void mount_shared_fs(const std::string& tag) {
  static std::mutex mutex;
  static std::string mounted;  // the tag mounted, once
  const std::lock_guard lock(mutex);
  if (!mounted.empty()) {
    if (mounted != tag) throw Error("shared file system \"" + tag + "\": \"" + mounted + "\" is mounted already");
    return;
  }
  const std::string target(protocol::kSharedFsGuestPath);
  if (::mkdir(target.c_str(), 0755) != 0 && errno != EEXIST) throw_errno("mkdir " + target);
  // The host's binds decide read-only. Setuid programs of the image work (su, ping), as on
  // crun's root; device nodes on it do not: the guest enforces no device cgroup, so a node
  // made on the share could reach the guest's own devices (a container's /dev is its tmpfs).
  if (::mount(tag.c_str(), target.c_str(), "virtiofs", MS_NODEV, nullptr) != 0)
    throw_errno("mount virtiofs " + tag + " on " + target);
  mounted = tag;
  raise_read_ahead(target);
}

bool in_shared_fs(const std::string& path) {
  const std::string prefix = std::string(protocol::kSharedFsGuestPath) + "/";
  return path.compare(0, prefix.size(), prefix) == 0 && path.find("/../") == std::string::npos;
}

}  // namespace ppc::agent
