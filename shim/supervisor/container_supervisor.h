#pragma once
// The VMM's side of a container (ppc-kvm-vmm --container-request FILE --ready-fd N): once
// the guest boots, connect to its agent, create the container from the CLI's request, report
// ok or the error on the ready fd, pump the main process's stdio between the VMM's own fds
// 0/1/2 and the guest, and learn its exit status, which the VMM exits with when the guest
// powers off. So the VMM behaves like runc's container process for conmon and containerd:
// its stdio are the container's, its exit status the container's.
#include <atomic>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/unique_fd.h"

namespace ppc::shim {

class ContainerSupervisor {
 public:
  // Reads the request (protocol CreateContainer as JSON: container_id, config, hostname)
  // now, before the VMM gives up access to the file system. Throws Error naming the file.
  ContainerSupervisor(const std::string& request_file, int ready_fd, std::string vsock_uds);
  ~ContainerSupervisor();

  void start();
  // The main process's status (0..255, 128+N for signal N), once its Exited arrived.
  std::optional<int> exit_status() const;
  // Written to the ready fd when the VMM fails before the supervisor could report.
  void report_failure(const std::string& message);

 private:
  void run();
  void report(const std::string& line);
  void follow_window_size();

  nlohmann::json request_;
  UniqueFd ready_;
  std::string vsock_uds_;
  std::thread thread_;
  std::atomic<int> status_{-1};
};

}  // namespace ppc::shim
