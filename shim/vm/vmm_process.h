#pragma once
// Starting a container's VMM and learning whether its container exists. The VMM is started
// in a session of its own (signals to the caller's process group or terminal do not reach
// it) with the ready pipe's write end as fd 3 and the container's stdio as 0-2. It boots the
// guest, sends the agent <state>/create.json, and writes one line to fd 3:
//   "ok\n"                            the container is created, its process not yet started
//   "error <exit status> <message>\n" it could not be created
// An EOF without a line means the VMM died first. After "ok" the VMM lives as long as the
// container's process and exits with its status (128+N for signal N). Its own messages go to
// <state>/vmm.log (--log): its stdio are the container's.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "vm/shim_config.h"
#include "vm/vm_sizing.h"

namespace ppc::shim {

inline constexpr int kReadyFd = 3;

// What the VMM boots with besides the kernel: the (agent-only) initramfs, the share
// directory its virtiofsd serves ("" for none), and its NICs (each a --net value,
// "tap=NAME,mac=MAC[,mtu=N]": taps in the network namespace it is started in). With
// `restore_from` (a guest template, guest_template.h) the guest is restored from it instead
// of booting the kernel and the initramfs.
struct VmmFiles {
  std::string initramfs;
  std::string share;
  std::vector<std::string> nics;
  std::string restore_from;
};

// The machine's part of the VMM's command line: its guest, size and devices.
std::vector<std::string> machine_args(const ShimConfig& config, const VmSize& size, const VmmFiles& files);
// The VMM's command line for a container whose state lives in `state_dir`.
std::vector<std::string> vmm_command(const ShimConfig& config, const VmSize& size, const std::string& state_dir,
                                     const VmmFiles& files);
// A pod's later container's process (no machine: ppc-kvm-vmm --join-vm), created in the VM
// whose agent listens on `vm_socket`. The host settings' vmm_args are a machine's: not given.
std::vector<std::string> member_command(const ShimConfig& config, const std::string& state_dir,
                                        const std::string& vm_socket);

struct VmmStdio {
  int in = 0, out = 1, err = 2;
  bool controlling_terminal = false;  // `in` is a pty slave the VMM takes as its terminal
};

struct VmmFailure {
  enum How { kReported, kNoReport, kTimedOut };  // its error line; it died without one; too slow
  int exit_status = 1;
  std::string message;
  How how = kReported;
};

class VmmProcess {
 public:
  // Throws Error when the VMM cannot be started at all. With `netns` (an fd of a network
  // namespace), the VMM starts in that namespace: it opens its taps there, and the process
  // the engine knows by its pid is in the container's network namespace.
  // With `die_with_parent`, the VMM is killed when this process ends (a template's maker,
  // which nothing else would stop).
  static VmmProcess spawn(const std::vector<std::string>& command, const VmmStdio& stdio, int netns = -1,
                          bool die_with_parent = false);

  VmmProcess(VmmProcess&& other) noexcept;
  VmmProcess& operator=(VmmProcess&&) = delete;
  VmmProcess(const VmmProcess&) = delete;
  // Kills and reaps a VMM that was neither released nor waited for: no VM outlives a
  // failed create.
  ~VmmProcess();

  pid_t pid() const { return pid_; }

  // Waits for the ready line (at most `timeout`). nullopt: "ok". On a failure the VMM is
  // killed and reaped; when the report is missing, the message ends with the last lines of
  // the VMM's log and of the guest's console.
  std::optional<VmmFailure> wait_ready(std::chrono::seconds timeout, const std::string& console_log,
                                       const std::string& vmm_log);

  // Waits for the VMM to exit; its status as a shell reports it.
  int wait_exit();
  // The status if the VMM has exited (and is reaped now), else nullopt.
  std::optional<int> try_wait();
  // SIGKILL to its whole tree, and reap (kill_tree_and_reap).
  void kill_and_reap();
  // Tells the VMM it is recorded (state.json, pid file): from now on it outlives this
  // process. Until then, this process's death stops it.
  void adopt();
  // The VMM is now the container's and outlives this object.
  void release() { pid_ = -1; }

 private:
  VmmProcess(pid_t pid, UniqueFd ready) : pid_(pid), ready_(std::move(ready)) {}
  // SIGKILL to the VMM and every process below it; reaps it and waits (5 s at most) until the
  // others are gone. Its waitpid status.
  int kill_tree_and_reap();
  pid_t pid_ = -1;
  UniqueFd ready_;
};

// The last `lines` lines of a file ("" if unreadable), from its last kTailBytes only (a guest
// writes the console: one line may be megabytes); carriage returns dropped, other control
// characters shown as \xNN (guest text reaches the user's terminal).
inline constexpr size_t kTailBytes = 16 * 1024;
std::string tail_of_file(const std::string& path, size_t lines);

// A waitpid status as a shell shows it: the exit code, or 128+N for signal N.
int shell_status(int wait_status);

}  // namespace ppc::shim
