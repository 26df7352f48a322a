#include "event_loop.h"

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <future>
#include <string>

#include "base/error.h"
#include "log.h"

namespace ppc::vmm {

EventLoop::EventLoop() : epoll_(::epoll_create1(EPOLL_CLOEXEC)), wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (!epoll_.valid()) throw_errno("epoll_create1");
  if (!wake_.valid()) throw_errno("eventfd");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake_.get();
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, wake_.get(), &ev) < 0) throw_errno("epoll_ctl add wake fd");
}

void EventLoop::add(int fd, uint32_t events, Handler handler) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  const bool known = handlers_.count(fd) != 0;
  if (::epoll_ctl(epoll_.get(), known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) < 0)
    throw_errno("epoll_ctl add fd " + std::to_string(fd));
  handlers_[fd] = std::make_shared<Handler>(std::move(handler));
}

void EventLoop::modify(int fd, uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &ev) < 0) throw_errno("epoll_ctl mod fd " + std::to_string(fd));
}

void EventLoop::remove(int fd) {
  if (handlers_.erase(fd)) ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

void EventLoop::post(std::function<void()> fn) {
  {
    std::lock_guard lock(posted_mu_);
    posted_.push_back(std::move(fn));
  }
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_.get(), &one, sizeof one);
}

void EventLoop::run_and_wait(std::function<void()> fn) {
  std::promise<void> done;
  auto finished = done.get_future();
  post([&] {
    try {
      fn();
      done.set_value();
    } catch (...) {
      done.set_exception(std::current_exception());  // the caller's to handle, not the loop's
    }
  });
  finished.get();
}

void EventLoop::stop() {
  stopping_ = true;
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_.get(), &one, sizeof one);
}

bool EventLoop::on_loop_thread() const { return loop_thread_id_ == static_cast<uint64_t>(pthread_self()); }

void EventLoop::drain_posted() {
  std::vector<std::function<void()>> work;
  {
    std::lock_guard lock(posted_mu_);
    work.swap(posted_);
  }
  for (auto& fn : work) {
    try {
      fn();
    } catch (const std::exception& e) {
      // As for an fd's handler: report it and keep every other device running (an
      // allocation that failed included: the guest must not stop the loop by throwing).
      log_line(std::string("device work: ") + e.what());
    }
  }
}

void EventLoop::run() {
  loop_thread_id_ = static_cast<uint64_t>(pthread_self());
  epoll_event events[64];
  while (!stopping_) {
    const int n = ::epoll_wait(epoll_.get(), events, 64, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("epoll_wait");
    }
    for (int i = 0; i < n && !stopping_; ++i) {
      const int fd = events[i].data.fd;
      if (fd == wake_.get()) {
        uint64_t count;
        [[maybe_unused]] ssize_t r = ::read(wake_.get(), &count, sizeof count);
        drain_posted();
        continue;
      }
      const auto it = handlers_.find(fd);
      if (it == handlers_.end()) continue;  // removed by an earlier handler in this batch
      const std::shared_ptr<Handler> handler = it->second;  // survives its own removal
      try {
        (*handler)(events[i].events);
      } catch (const std::exception& e) {
        // A device's host-side handler met a malformed queue or a host error: report it and
        // keep the other devices running; the device's next guest notification resets it.
        log_line("device event on fd " + std::to_string(fd) + ": " + e.what());
      }
    }
  }
  drain_posted();
}

}  // namespace ppc::vmm
