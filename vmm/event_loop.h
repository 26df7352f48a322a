#pragma once
// The device thread's epoll loop. Device work (queue processing, host sockets, files) runs
// here, so that a vCPU thread never blocks on device I/O. Handlers run on the loop thread.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "base/unique_fd.h"

namespace ppc::vmm {

class EventLoop {
 public:
  using Handler = std::function<void(uint32_t events)>;

  EventLoop();
  // Watches fd (not owned) for epoll events; replaces an existing handler for the same fd.
  void add(int fd, uint32_t events, Handler handler);
  void modify(int fd, uint32_t events);
  // Safe from a handler, including the fd's own.
  void remove(int fd);
  // Runs fn on the loop thread (from any thread); returns at once. An Error escaping fn is
  // logged and the loop goes on, as for a handler.
  void post(std::function<void()> fn);
  // Runs fn on the loop thread and waits for it (never call from the loop thread); whatever
  // fn throws is rethrown here, in the caller.
  void run_and_wait(std::function<void()> fn);

  // Dispatches until stop(); call on the loop thread.
  void run();
  void stop();
  bool on_loop_thread() const;

 private:
  void drain_posted();

  UniqueFd epoll_;
  UniqueFd wake_;
  std::map<int, std::shared_ptr<Handler>> handlers_;
  std::mutex posted_mu_;
  std::vector<std::function<void()>> posted_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> loop_thread_id_{0};
};

}  // namespace ppc::vmm
