#pragma once
// The jail's file-system and namespace half (the pid namespace is supervisor.h's): new mount,
// IPC, UTS and network namespaces, and a root that is an empty, read-only tmpfs of our own,
// so nothing of the host's file system is reachable except the directories named here.
//
// Layout inside the jail:
//   /                 tmpfs, read-only, nosuid/nodev/noexec, empty but for mount points
//   <dir>             for each reachable dir: the host's directory at the same absolute path,
//                     bound read-only, nosuid/nodev/noexec (the vsock socket's directory, so
//                     that guest connections to <uds>_<port> find the host's listeners)
// Everything else the VMM uses (/dev/kvm, the kernel, disks, the console file, the vsock
// listening socket) is opened before, and only its descriptor comes in.
#include <string>
#include <vector>

#include "sandbox/sandbox_config.h"

namespace ppc::vmm {

struct JailLayout {
  std::vector<std::string> reachable_dirs;  // absolute, normalized; never "/"
};

// Builds the jail around the calling process (single-threaded, CAP_SYS_ADMIN) and moves into
// it: afterwards "/" is the jail's root and the old root is gone (pivot_root) or out of reach
// (when the old root is the initramfs, which pivot_root cannot move: see jail.cpp).
// Returns how the old root went ("pivot_root", or the chroot fallback). Throws Error
// naming the step that failed.
std::string build_jail(const JailLayout& layout);

// "/a/b/sock" -> "/a/b"; relative paths are made absolute against the current directory first.
std::string absolute_path(const std::string& path);
std::string parent_dir(const std::string& absolute);

}  // namespace ppc::vmm
