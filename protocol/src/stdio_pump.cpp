#include "protocol/stdio_pump.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "base/error.h"
#include "protocol/limits.h"

namespace ppc::protocol {

StreamSender::StreamSender(Connection& connection, std::string exec_id, StdioStream stream, UniqueFd source)
    : connection_(connection), exec_id_(std::move(exec_id)), stream_(stream), source_(std::move(source)),
      wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (!wake_.valid()) throw_errno("stdio: eventfd for the " + exec_id_ + " stream's sender");
}

void StreamSender::wake_run() {
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(wake_.get(), &one, sizeof one);  // EAGAIN: already awake
}

void StreamSender::grant(uint32_t bytes) {
  const std::lock_guard lock(mutex_);
  credit_.grant(bytes);
  changed_.notify_all();
}

void StreamSender::source_writer_exited(std::chrono::milliseconds quiet) {
  {
    const std::lock_guard lock(mutex_);
    quiet_ = quiet;
    changed_.notify_all();
  }
  wake_run();
}

void StreamSender::cancel() {
  {
    const std::lock_guard lock(mutex_);
    cancelled_ = true;
    changed_.notify_all();
  }
  wake_run();
}

bool StreamSender::wait_for_credit(std::unique_lock<std::mutex>& lock) {
  changed_.wait(lock, [&] { return cancelled_ || credit_.available() > 0; });
  return !cancelled_;
}

void StreamSender::run() {
  std::vector<uint8_t> buffer(kMaxStdioChunk);
  try {
    for (;;) {
      size_t room;
      std::chrono::milliseconds quiet;
      {
        std::unique_lock lock(mutex_);
        if (!wait_for_credit(lock)) return;
        room = std::min(credit_.available(), buffer.size());
        quiet = quiet_;
      }
      // Until the writer exits, wait for the source or a wake-up alone; then for at most
      // `quiet` of silence.
      pollfd fds[2] = {{source_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
      const int timeout = quiet.count() >= 0 ? static_cast<int>(quiet.count()) : -1;
      const int ready = ::poll(fds, 2, timeout);
      if (ready < 0) {
        if (errno == EINTR) continue;
        throw_errno("stdio: poll");
      }
      if (ready == 0) break;  // the writer is gone and nothing more came
      if (fds[1].revents != 0) {
        // cancel() or source_writer_exited(): the loop's top reads the new state.
        uint64_t count = 0;
        [[maybe_unused]] const ssize_t n = ::read(wake_.get(), &count, sizeof count);
        continue;
      }
      const ssize_t n = ::read(source_.get(), buffer.data(), room);
      if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        if (errno == EIO) break;  // a pty master whose slaves are all closed
        throw_errno("stdio: read");
      }
      if (n == 0) break;
      {
        const std::lock_guard lock(mutex_);
        credit_.spend(static_cast<size_t>(n));
      }
      connection_.send(StdioData{exec_id_, stream_, std::vector<uint8_t>(buffer.begin(), buffer.begin() + n)});
    }
    connection_.send(StdioClose{exec_id_, stream_});
  } catch (const Error&) {
    // The connection failed: its reader sees the same failure and ends the session.
  }
}

StreamReceiver::StreamReceiver(Connection& connection, std::string exec_id, StdioStream stream, UniqueFd sink)
    : connection_(connection), exec_id_(std::move(exec_id)), stream_(stream), sink_(std::move(sink)) {}

void StreamReceiver::deliver(std::vector<uint8_t> data) {
  const std::lock_guard lock(mutex_);
  if (closed_) throw Error("StdioData after StdioClose for " + exec_id_);
  credit_.spend(data.size());
  queue_.push_back(std::move(data));
  changed_.notify_all();
}

void StreamReceiver::close() {
  const std::lock_guard lock(mutex_);
  closed_ = true;
  changed_.notify_all();
}

void StreamReceiver::cancel() {
  const std::lock_guard lock(mutex_);
  cancelled_ = true;
  changed_.notify_all();
}

void StreamReceiver::run() {
  try {
    for (;;) {
      std::vector<uint8_t> chunk;
      {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return cancelled_ || closed_ || !queue_.empty(); });
        if (cancelled_ || queue_.empty()) break;  // cancelled, or closed and drained
        chunk = std::move(queue_.front());
        queue_.pop_front();
      }
      size_t done = 0;
      while (sink_.valid() && done < chunk.size()) {
        const ssize_t n = ::write(sink_.get(), chunk.data() + done, chunk.size() - done);
        if (n < 0) {
          if (errno == EINTR) continue;
          sink_.reset();  // EPIPE and friends: nobody reads any more
          break;
        }
        done += static_cast<size_t>(n);
      }
      {
        const std::lock_guard lock(mutex_);
        credit_.grant(chunk.size());
      }
      connection_.send(StdioWindow{exec_id_, stream_, static_cast<uint32_t>(chunk.size())});
    }
  } catch (const Error&) {
    // The connection failed: its reader ends the session.
  }
  sink_.reset();
}

}  // namespace ppc::protocol
