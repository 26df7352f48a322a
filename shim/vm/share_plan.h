#pragma once
// Where a container's files go in its VM's share, planned before anything is made: its root
// file system and each bind mount's source are bound (on the host) into the share directory
// that the VM's virtiofsd serves, so the container reads and writes the host's files, live:
//  - the root: bound at <share>/<id>/root, read-only when root.readonly;
//  - a bind mount of a directory or a regular file (podman's /etc/hosts, /etc/resolv.conf,
//    /run/.containerenv, secrets, volumes): bound at <share>/<id>/m<i>, read-only when its
//    options say ro, recursively for rbind;
//  - a bind of a character or block device: left alone, the guest binds its own node of that
//    path (a host device cannot be passed through);
//  - anything else (a socket, a fifo) or a missing source: an error naming mounts[i].
// Every bind is nosuid and nodev on the host (share_mounts.h).
#include <cstddef>
#include <string>
#include <vector>

#include "oci/config.h"

namespace ppc::shim {

struct ShareBind {
  std::string host_source;  // absolute
  std::string target;       // in the share directory, on the host
  std::string guest_path;   // where the guest finds it
  bool directory = true;
  bool read_only = false;
  bool recursive = true;
  friend bool operator==(const ShareBind&, const ShareBind&) = default;
};

struct SharePlan {
  std::string share;    // the share directory (<state>/share), absolute
  std::string id;       // the container's
  ShareBind root;
  std::vector<std::pair<size_t, ShareBind>> mounts;  // by index in config.mounts
};

// Decides the binds; relative sources are relative to the bundle, `rootfs` is absolute.
// Throws Error naming the mount (mounts[3] (/etc/hosts): ...).
SharePlan plan_share(const oci::Config& config, const std::string& bundle, const std::string& rootfs,
                     const std::string& share, const std::string& id);

// The config the guest receives: the root and each shared mount's source as guest paths, a
// mount of type "bind" with its "bind" option (as runc reads it), and nothing only the host
// uses (hooks, cgroupsPath, annotations).
oci::Config guest_config(oci::Config config, const SharePlan& plan);

}  // namespace ppc::shim
