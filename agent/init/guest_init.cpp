#include "init/guest_init.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

#include "base/error.h"
#include "base/unique_fd.h"
#include "init/loopback.h"
#include "init/unwritten_data.h"
#include "log.h"

namespace ppc::agent {
namespace {

void mount_one(const char* source, const char* target, const char* type, unsigned long flags, const char* data) {
  ::mkdir(target, 0755);
  if (::mount(source, target, type, flags, data) != 0 && errno != EBUSY) {
    throw_errno(std::string("mount ") + type + " on " + target);
  }
}

// RCU grace periods stay expedited, as the kernel keeps them until it runs /init: a
// container's set-up waits for several (each process's move into its cgroup, the namespaces'
// teardown), and at this kernel's HZ=100 a normal one takes 10 to 30 ms; an expedited one
// interrupts the guest's few vCPUs instead. The move into a cgroup: 40 -> 12 ms in the rig.
void expedite_rcu() {
  const UniqueFd fd(::open("/sys/kernel/rcu_expedited", O_WRONLY | O_CLOEXEC));
  if (!fd.valid() || ::write(fd.get(), "1", 1) != 1) {
    log_line(std::string("/sys/kernel/rcu_expedited: ") + std::strerror(errno) + "; grace periods stay normal");
  }
}

}  // namespace

void prepare_guest() {
  constexpr unsigned long kSafe = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  mount_one("proc", "/proc", "proc", kSafe, nullptr);
  mount_one("sysfs", "/sys", "sysfs", kSafe, nullptr);
  expedite_rcu();
  // Until cgroup2 is mounted once, /proc/PID/cgroup is empty; a container without a cgroup
  // mount must still read "0::/" there, as under crun.
  mount_one("cgroup2", "/sys/fs/cgroup", "cgroup2", kSafe, nullptr);
  mount_one("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
  mount_one("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "ptmxmode=0666,mode=0620");
  mount_one("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
  mount_one("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
  mount_one("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
  bring_up_loopback();
}

// sync() only when the guest holds file data not yet handed on. A write() to the share reaches
// virtiofsd before it returns (no writeback cache), so what can be left is a shared mapping's
// dirty pages (or a block device's). Without any, sync() would only make virtiofsd syncfs()
// every host file system under the share (podman's overlay, each volume's): a flush of the
// host's disks that crun does not do when a container stops, and that a busy host pays for.
// Only a sync is logged: a console line costs the guest exits to the VMM, at every stop.
void power_off() {
  const std::optional<uint64_t> unwritten = guest_unwritten_kib();
  if (!unwritten) {
    log_line("power-off: the page counters are unreadable; syncing");
    ::sync();
  } else if (*unwritten > 0) {
    log_line("power-off: syncing " + std::to_string(*unwritten) + " kB not yet written");
    ::sync();
  }
  ::reboot(RB_POWER_OFF);
  log_line(std::string("power-off failed: ") + std::strerror(errno));
  for (;;) ::pause();
}

}  // namespace ppc::agent
