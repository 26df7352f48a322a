#pragma once
// The mounts that put a container's files where its VM's virtiofsd serves them, on the host:
// the share directory mounted on itself (a peer group of its own, so that binds made in it
// later reach virtiofsd's mount namespace, and none of them reach the host's other ones), and
// bind mounts in it of the container's root and volumes. Every bind is nosuid and nodev on
// the host, and read-only when asked: a hostile guest ignores its own mount flags.
#include <string>

namespace ppc::shim {

struct BindAttributes {
  bool recursive = true;   // MS_REC: the source's submounts come along
  bool read_only = false;  // for the bind and everything below it
};

// mkdir `share` (if missing) and mount it on itself: private, then shared.
void mount_share(const std::string& share);

// Binds `source` (a directory or a file; a file needs a file at `target`, a directory a
// directory: the caller makes them) at `target`, then sets nosuid, nodev and, when asked,
// read-only on it and everything below it. Throws Error naming both paths.
void bind_into_share(const std::string& source, const std::string& target, const BindAttributes& attributes);

// Unmounts whatever is mounted at `path` in this mount namespace (lazily: virtiofsd's copies
// go when it does), until nothing is; nothing mounted there is not an error.
void unmount_share(const std::string& path);

}  // namespace ppc::shim
