#include "init/guest_init.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "base/error.h"
#include "base/unique_fd.h"
#include "init/loopback.h"
#include "init/power_off_sync.h"
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

// How long the power-off waits for the processes it killed to end, and then for the share's
// writes in flight: together within the 3 s a host's `kill -KILL` gives the VM to end. Only
// with a FUSE file system served in the guest does a sync come first, waited for 1 s more.
constexpr std::chrono::seconds kProcessesEndTimeout{2};
constexpr std::chrono::seconds kWritesInFlightTimeout{1};
constexpr std::chrono::seconds kFirstSyncTimeout{1};

// sync(), waited for up to `timeout` (it goes on in its own thread): a FUSE server in the guest
// that is frozen (a paused container) or stopped blocks it until the kill ends that server.
void sync_for_at_most(std::chrono::seconds timeout) {
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> synced = done->get_future();
  std::thread([done] {
    ::sync();
    done->set_value();
  }).detach();
  if (synced.wait_for(timeout) == std::future_status::timeout) {
    log_line("power-off: the sync did not end within " + std::to_string(timeout.count()) + " s; going on");
  }
}

// The kernel's list of FUSE connections, which the power-off reads (power_off_sync.h). Without
// it every power-off syncs: logged, not fatal.
void list_fuse_connections() {
  constexpr const char* kConnections = "/sys/fs/fuse/connections";
  if (::mount("fusectl", kConnections, "fusectl", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    log_line(std::string("mount fusectl on ") + kConnections + ": " + std::strerror(errno) + "; every power-off syncs");
  }
}

// Kills every process but the agent (SIGKILL) and waits until the agent has no child left,
// up to kProcessesEndTimeout: each exit closes the process's files and mappings (FUSE writes
// a shared mapping's dirty pages back then), a request it had sent to virtiofsd is answered
// first, and the last process of a mount namespace unmounts its file systems. The guest's end
// would have ended them all the same. False when some are left.
bool end_other_processes() {
  ::kill(-1, SIGKILL);  // every process but PID 1; kernel threads ignore it
  const auto deadline = std::chrono::steady_clock::now() + kProcessesEndTimeout;
  for (;;) {
    siginfo_t info{};
    // WNOWAIT: the reaper thread reaps them; this only asks whether a child is left (an
    // orphan's is the agent's, so none left means no process is).
    if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT | __WALL) != 0 && errno == ECHILD) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace

void prepare_guest() {
  constexpr unsigned long kSafe = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  mount_one("proc", "/proc", "proc", kSafe, nullptr);
  mount_one("sysfs", "/sys", "sysfs", kSafe, nullptr);
  list_fuse_connections();
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

void power_off(ChildReaper& reaper) {
  // Once: the first caller (the container's end, or the grace after the final reply) goes on.
  static std::atomic<bool> started{false};
  if (started.exchange(true)) {
    for (;;) ::pause();
  }
  reaper.refuse_new_children();
  const GuestView guest = live_guest();
  // Only a sync is logged: a console line costs the guest exits to the VMM, at every stop.
  if (const std::optional<std::string> why = reason_to_sync_first(guest)) {
    log_line("power-off: syncing while the processes run: " + *why);
    sync_for_at_most(kFirstSyncTimeout);
  }
  std::optional<std::string> why;
  if (end_other_processes()) {
    why = reason_to_sync(guest, kWritesInFlightTimeout);
  } else {
    why = "processes still run " + std::to_string(kProcessesEndTimeout.count()) + " s after SIGKILL";
  }
  if (why) {
    log_line("power-off: syncing: " + *why);
    ::sync();
  }
  ::reboot(RB_POWER_OFF);
  log_line(std::string("power-off failed: ") + std::strerror(errno));
  for (;;) ::pause();
}

}  // namespace ppc::agent
