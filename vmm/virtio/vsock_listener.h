#pragma once
// The hybrid socket's front door: the listening Unix socket at uds_path, and each host
// client from its accept() until its "CONNECT <port>\n" line arrived (or its time ran out).
// Runs on the event-loop thread, like the device it serves.
#include <sys/un.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/unique_fd.h"
#include "event_loop.h"

namespace ppc::vmm {

namespace vsock {

// The longest CONNECT line we wait for, newline included ("CONNECT 4294967295\n" is 19).
constexpr size_t kMaxConnectLine = 32;

// The port of a "CONNECT <decimal port>" line (newline already stripped); nullopt unless
// the line is exactly that with a port that fits 32 bits.
std::optional<uint32_t> parse_connect_line(std::string_view line);
// addr for path; false when path is empty or too long for a Unix socket address.
bool unix_address(const std::string& path, sockaddr_un& addr);

}  // namespace vsock

class VsockListener {
 public:
  using Clock = std::chrono::steady_clock;
  // Runs each loop handler's work: the device turns a broken virtqueue met there into a
  // device that needs a reset, and raises the interrupts the work left pending.
  using Guard = std::function<void(const std::function<void()>&)>;
  struct Callbacks {
    // A client asked for guest_port; fd is positioned just after its line.
    std::function<void(UniqueFd fd, uint32_t guest_port)> on_connect;
    // New clients wait for their line: earliest_deadline() may have moved.
    std::function<void()> on_accepted;
  };

  // Binds uds_path (replacing a stale socket file there, never another kind of file) and
  // watches it on loop. Throws Error when it cannot.
  VsockListener(EventLoop& loop, std::string uds_path, Guard guard, Callbacks callbacks);
  // Drops waiting clients, stops listening and removes uds_path.
  ~VsockListener();
  VsockListener(const VsockListener&) = delete;
  VsockListener& operator=(const VsockListener&) = delete;

  const std::string& path() const { return uds_path_; }
  // How long a client may take to send its line.
  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }
  // When the first waiting client's time runs out; nullopt when none waits.
  std::optional<Clock::time_point> earliest_deadline() const;
  // Closes the clients whose time ran out by now.
  void expire(Clock::time_point now);

 private:
  struct Client {
    UniqueFd fd;
    std::string line;
    Clock::time_point deadline;
  };

  void on_listen_ready();
  void on_client_readable(uint64_t id);
  void drop(uint64_t id);

  EventLoop& loop_;
  const std::string uds_path_;
  Guard guard_;
  Callbacks callbacks_;
  UniqueFd listen_fd_;
  std::chrono::milliseconds timeout_{5000};
  std::map<uint64_t, std::unique_ptr<Client>> clients_;
  uint64_t next_client_id_ = 0;
};

}  // namespace ppc::vmm
