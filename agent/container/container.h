#pragma once
// One container of this guest and its processes, by exec id: the first ("init") set up by
// CreateContainer and started by Start, more added by Exec. containers.h keeps the guest's
// containers.
#include <sys/types.h>

#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "container/guest_cgroup.h"
#include "container/launcher.h"
#include "init/child_reaper.h"
#include "oci/config.h"
#include "protocol/messages.h"
#include "protocol/stdio_pump.h"
#include "base/error.h"

namespace ppc::agent {

struct GuestProcess {
  std::string exec_id;
  LaunchedProcess launched;  // stdio ends are handed to the session that owns the process
  UniqueFd resize;           // the pty master, for window size changes
  bool started = false;
  // The streams sending this process's output, and their completion: Exited goes out only
  // after them.
  std::vector<std::shared_ptr<protocol::StreamSender>> senders;
  std::vector<std::shared_future<void>> senders_done;
};

class Container {
 public:
  Container(ChildReaper& reaper, std::string id) : reaper_(reaper), id_(std::move(id)) {}

  const std::string& id() const { return id_; }

  // Throws RequestFailed (below) for requests that fail with a reply to the host. `sandbox`:
  // the first process of the container whose namespaces this one's namespace paths name
  // (a pod's later container), else 0.
  std::shared_ptr<GuestProcess> create(const protocol::CreateContainer& request, pid_t sandbox);
  void start();
  // Hands the guest's NICs to the container's network namespace, configured as the host's
  // interfaces (netconf/guest_network.h). After create, before or after start.
  void configure_network(const protocol::Network& request);
  std::shared_ptr<GuestProcess> exec(const protocol::Exec& request);
  void signal(const protocol::Signal& request);
  void resize(const protocol::Resize& request);
  // Freezes or thaws all of the container's processes (pause and resume of one container).
  void freeze(const protocol::FreezeContainer& request);
  // Waits for the process to end; returns its Exited.
  protocol::Exited wait(const std::string& exec_id);
  // The first process, while it runs (created or started); else RequestFailed.
  pid_t running_init_pid();
  // Before the container is forgotten: its first process has ended (else RequestFailed);
  // the processes exec'd in it that still run are killed, and no Exec is taken any more.
  void end_processes();

 private:
  std::shared_ptr<GuestProcess> find(const std::string& exec_id);
  void require_created();

  ChildReaper& reaper_;
  const std::string id_;
  std::mutex mutex_;
  std::optional<oci::Config> config_;
  std::unique_ptr<GuestCgroup> cgroup_;  // from create on; every process of the container is in it
  // Its root and volumes from the share, held until it goes (setup_container_root).
  std::vector<UniqueFd> shared_mounts_;
  std::mutex freeze_mutex_;
  std::map<std::string, std::shared_ptr<GuestProcess>> processes_;
  bool removing_ = false;  // end_processes() has begun: an Exec that gets here is undone
};

// A request that failed: the reply the host gets.
class RequestFailed : public Error {
 public:
  RequestFailed(protocol::ErrorCode code, const std::string& message, int exit_status = 1)
      : Error(message), reply_{code, message, exit_status} {}
  const protocol::ErrorReply& reply() const { return reply_; }

 private:
  protocol::ErrorReply reply_;
};

}  // namespace ppc::agent
