#pragma once
// The VMM's side of a container (ppc-kvm-vmm --container-request FILE --ready-fd N), relayed
// between the container's caller and the guest's agent: once
// the guest boots, connect to its agent, create the container from the CLI's request, report
// ok or the error on the ready fd, pump the main process's stdio between the VMM's own fds
// 0/1/2 and the guest, and learn its exit status, which the VMM exits with when the guest
// powers off. So the VMM behaves like runc's container process for conmon and containerd:
// its stdio are the container's, its exit status the container's.
// A pod's later container (the request names a sandbox_id; ppc-kvm-vmm --join-vm) is relayed
// the same way into the VM that runs already: its failure never shuts that guest down, and
// once its status is known it is removed from the guest.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent_client/agent_session.h"
#include "base/unique_fd.h"
#include "protocol/messages.h"

namespace ppc::vmm {

class ContainerRelay {
 public:
  // Reads the request (protocol CreateContainer as JSON: container_id, config, hostname)
  // now, before the VMM gives up access to the file system, and takes copies of this
  // process's stdio (the container's), so that the VMM can point its own elsewhere. Throws
  // Error naming the file.
  // until_adopted: after "ok", the creator (ppc-kvm-shim create) answers "adopted" on the
  // ready fd (a socket) once it has recorded the container; should the ready fd close first,
  // the creator died half way, and the VMM stops itself (SIGTERM to its own process) instead
  // of running on unrecorded.
  ContainerRelay(const std::string& request_file, int ready_fd, std::string vsock_uds, bool until_adopted = false);
  ~ContainerRelay();

  // Starts the relay's thread, which calls on_thread_start first (to load its seccomp
  // filter) before it touches anything the guest controls. stop_machine ends the VM when the
  // agent's session breaks after the container was created (its status can no longer be
  // learnt): exit_code::kContainerLost, the reason in the log.
  void start(std::function<void()> on_thread_start, std::function<void(int, const std::string&)> stop_machine);
  // The main process's status (0..255, 128+N for signal N) once its Exited arrived and its
  // output is written out, waiting up to `patience` for the relay to get there (the
  // guest may power off a moment before the last of it is handled here).
  std::optional<int> exit_status(std::chrono::milliseconds patience = std::chrono::milliseconds(0));
  // Written to the ready fd when the VMM fails before the relay could report; nothing
  // when a report went out already. A restored VM's failure before the container was asked
  // for begins with kRestoredGuestFailed (after that, the container may be the cause).
  void report_failure(const std::string& message);
  // Every fd the relay holds (ready fd, the container's stdio).
  std::vector<int> fds() const;
  // The guest was restored from a snapshot (--restore-from): before the container, the agent
  // is told Restored (fresh randomness, the time), so that clones of one snapshot differ.
  void set_restored(bool restored) { restored_ = restored; }
  // Whether the status is known, or will never be (run() has returned).
  bool finished();
  // A pod's later container: sends the signal to its main process (from a thread of the
  // relay's, in its role), as the VMM's own stop signals would stop its guest.
  void forward_signal(int signal);

 private:
  void run();
  // An encoded ready line (base/ready_line.h), once; the fd stays open when keep_open.
  void report(const std::string& line, bool keep_open = false);
  void await_adoption();
  void follow_resizes(const std::string& container_id, const std::string& id, const std::atomic<bool>& done);
  void forward_signals(const std::string& container_id, const std::atomic<bool>& done);
  void stop_waiting(std::atomic<bool>& done);
  void abandon_member(const std::string& container_id);
  bool member() const;
  // The VMM's stdin is the container's terminal: process.terminal is set and stdin is a tty.
  bool stdin_is_the_terminal() const;
  protocol::CreateContainer create_request() const;
  // Asks the agent for the container (a restored guest's Restored first, in the same round
  // trip); false when the agent refused it (reported, the guest told to shut down).
  bool create_in_guest(agent_client::AgentSession& session, const protocol::CreateContainer& create);

  nlohmann::json request_;
  std::mutex ready_mutex_;
  UniqueFd ready_;
  UniqueFd stdin_, stdout_, stderr_;
  std::string vsock_uds_;
  bool until_adopted_ = false;
  bool restored_ = false;
  std::atomic<bool> create_sent_{false};  // CreateContainer went to the agent
  std::function<void(int, const std::string&)> stop_machine_;
  std::thread thread_;
  std::thread adoption_;
  std::mutex status_mutex_;
  std::condition_variable status_changed_;
  bool finished_ = false;  // run() returned
  int status_ = -1;
  std::vector<int> signals_;  // to forward (status_mutex_)
};

}  // namespace ppc::vmm
