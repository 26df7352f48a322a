#pragma once
// --snapshot-to DIR --save-when-ready: a template for restored containers is a guest whose
// agent listens and that has run nothing yet. This companion thread waits until the agent
// answers Hello on the vsock socket, hangs up, and asks for the save as SIGUSR2 would (the
// machine's own signal, sent to its main thread), so that one VMM run makes the template and
// exits 0 once it is saved. An agent that never answers stops the machine: nothing is saved.
#include <chrono>
#include <functional>
#include <string>
#include <thread>

namespace ppc::vmm {

class SaveWhenReady {
 public:
  SaveWhenReady(std::string vsock_uds, std::chrono::seconds timeout) : vsock_uds_(std::move(vsock_uds)), timeout_(timeout) {}
  ~SaveWhenReady();
  SaveWhenReady(const SaveWhenReady&) = delete;
  SaveWhenReady& operator=(const SaveWhenReady&) = delete;

  // Starts the thread, which calls on_thread_start first (its seccomp role).
  void start(std::function<void()> on_thread_start, std::function<void(int, const std::string&)> stop_machine);

 private:
  const std::string vsock_uds_;
  const std::chrono::seconds timeout_;
  std::thread thread_;
};

}  // namespace ppc::vmm
