#pragma once
// For tests: an EventLoop running on a thread of its own, and a way to wait until it has
// handled everything that was ready.
#include <thread>

#include "event_loop.h"

namespace ppc::vmm {

// Runs loop.run() on a new thread until destroyed (stop, then join).
class LoopThread {
 public:
  explicit LoopThread(EventLoop& loop) : loop_(loop), thread_([this] { loop_.run(); }) {}
  ~LoopThread() {
    loop_.stop();
    thread_.join();
  }
  LoopThread(const LoopThread&) = delete;
  LoopThread& operator=(const LoopThread&) = delete;

  std::thread::id id() const { return thread_.get_id(); }

 private:
  EventLoop& loop_;
  std::thread thread_;
};

// Returns once every handler for an fd that was ready when settle() was called has run
// (events are level-triggered). Each round trip runs in a later epoll_wait batch than the one
// before, so the third starts after a whole batch whose epoll_wait began after this call:
// that batch reported every ready fd, and it has been dispatched.
inline void settle(EventLoop& loop) {
  for (int i = 0; i < 3; ++i) loop.run_and_wait([] {});
}

}  // namespace ppc::vmm
