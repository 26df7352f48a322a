#pragma once
// Starting virtiofsd (Debian 12's C daemon, /usr/lib/qemu/virtiofsd), the vhost-user backend
// of a virtio-fs device. The VMM starts it itself, before the jail and the privilege drop
// (it needs root and CAP_SYS_ADMIN for its own namespace sandbox): so it is a child of the
// process callers know (the jail's supervisor), runs in the VMM's cgroup or the one it is
// given, and dies with its parent (PR_SET_PDEATHSIG).
//
// The socket between them leaves no file behind: the VMM makes a listening socket with an
// abstract, kernel-chosen name, connects to it itself, and only then starts the daemon with
// the listening socket as --fd; the daemon accepts the first connection queued, ours, and
// accepts no other.
#include <sys/types.h>

#include <string>
#include <vector>

#include "base/unique_fd.h"

namespace ppc::vmm {

// The daemon's RLIMIT_NOFILE: inodes the guest has looked up plus files it has open. Far above
// what a container's tree walk needs at once (the guest drops inodes it no longer caches).
constexpr int kVirtiofsdMaxFiles = 65536;

struct VirtiofsdConfig {
  std::string program;     // the daemon's executable
  std::string shared_dir;  // absolute
  std::string cgroup;      // a cgroup v2 directory it starts in (before exec); empty: the VMM's
};

struct Virtiofsd {
  pid_t pid = -1;
  UniqueFd socket;  // connected to the daemon
};

// Throws ConfigError naming the program when it is missing or not executable, or naming the
// cgroup when that is not a cgroup v2 directory (nothing is started then); Error when starting
// it fails (joining the cgroup, exec).
Virtiofsd start_virtiofsd(const VirtiofsdConfig& config);

// The command line, with the listening socket at fd listen_fd: the share, cache=auto (what
// the guest fsync()s is fsync()ed on the host; changes from the host show within a second),
// submounts announced (a bind under the share is a file system of its own in the guest),
// extended attributes, one worker thread; warnings and errors only, on its stderr (the
// VMM's log stream).
std::vector<std::string> virtiofsd_arguments(const VirtiofsdConfig& config, int listen_fd);

}  // namespace ppc::vmm
