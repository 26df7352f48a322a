#pragma once
// What the host's kernel gives the VMM, its jail and the container's network, read under
// the given roots so that a test can lay out a host of its own: the MMU, seccomp, namespaces,
// cgroup v2 with the controllers the shim sets, and the TUN driver for the taps.
#include "host_check/check_result.h"

namespace ppc::shim {

CheckResult probe_mmu(const HostRoots& roots);         // /proc/cpuinfo's MMU line (information)
CheckResult probe_seccomp(const HostRoots& roots);     // /proc/self/status's Seccomp lines
CheckResult probe_namespaces(const HostRoots& roots);  // /proc/self/ns/{mnt,pid,net,ipc,uts}
CheckResult probe_cgroup_v2(const HostRoots& roots);   // /sys/fs/cgroup/cgroup.controllers
CheckResult probe_tun(const HostRoots& roots);         // /dev/net/tun, a character device
// /dev/vhost-net, needed only when the settings' vhost_net is true (`used`).
CheckResult probe_vhost_net(const HostRoots& roots, bool used);

}  // namespace ppc::shim
