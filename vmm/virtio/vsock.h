#pragma once
// virtio-vsock (device ID 19) without vhost: the VMM itself terminates the guest's vsock
// streams on host Unix sockets, the "hybrid" scheme Firecracker uses.
//  - Host to guest: a host process connects to uds_path and writes "CONNECT <port>\n". The
//    device opens a stream from a host port of its choosing to guest port <port>; when the
//    guest accepts it writes "OK <host port>\n" back and relays bytes, when the guest refuses
//    (RST) or does not answer within the connect timeout it closes the socket.
//  - Guest to host: a guest connect() to CID 2 port P reaches whoever listens on the Unix
//    socket "<uds_path>_<P>"; nobody there means the guest gets a reset.
// Flow control is vsock's credit scheme in both directions: the guest never gets more bytes
// than its advertised window, and a guest that overruns ours is reset, so every connection
// buffers at most kBufAlloc bytes on the host.
//
// Threading: everything, the constructor and destructor included, runs on the event-loop
// thread (or while the loop is not running): the loop's handler table is not thread-safe.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/unique_fd.h"
#include "event_loop.h"
#include "virtio/device.h"
#include "virtio/queue.h"
#include "virtio/vsock_packet.h"

namespace ppc::vmm {

class VsockDevice : public VirtioDevice {
 public:
  static constexpr uint64_t kHostCid = vsock::kHostCid;
  // Our receive window per connection: the most guest data we ever hold for a host socket.
  static constexpr uint32_t kBufAlloc = 256 * 1024;

  // Creates the listening socket at uds_path (replacing a stale socket file there) and
  // registers it with loop. Throws Error for a reserved guest_cid or a socket failure.
  VsockDevice(EventLoop& loop, uint64_t guest_cid, std::string uds_path);
  // Closes every socket and removes uds_path.
  ~VsockDevice() override;
  VsockDevice(const VsockDevice&) = delete;
  VsockDevice& operator=(const VsockDevice&) = delete;

  std::string name() const override { return "vsock"; }
  uint32_t device_id() const override { return 19; }
  uint64_t features() const override { return 0; }
  size_t queue_count() const override { return 3; }  // rx, tx, event
  void read_config(uint64_t offset, std::span<uint8_t> out) const override;

  void activate(std::vector<Virtqueue>& queues, uint64_t driver_features,
                std::function<void(uint16_t queue)> notify_used) override;
  // A QueueError met while serving a host socket (outside queue_notify) cannot reach the
  // transport from there: the device then drops its connections, stops touching the queues
  // and throws that error from the next queue_notify.
  void queue_notify(uint16_t queue) override;
  // Drops every connection (their host sockets close); the listening socket stays.
  void reset() override;

  // How long a host client may take to send its CONNECT line, and the guest to answer the
  // resulting request (default 5 s).
  void set_connect_timeout(std::chrono::milliseconds timeout) { connect_timeout_ = timeout; }
  // Open connections (diagnostics and tests).
  size_t connection_count() const { return conns_.size(); }

 private:
  using Clock = std::chrono::steady_clock;
  using Key = std::pair<uint32_t, uint32_t>;  // (host-side port, guest-side port)
  struct Connection;
  struct PendingAccept;

  // Entry points from the loop.
  void on_listen_ready();
  void on_accept_readable(uint64_t id);
  void on_timer();
  void on_host_event(Key key, uint32_t events);
  void guarded(const std::function<void()>& fn);
  void fail(const std::string& message);

  // Host side.
  void start_host_connection(UniqueFd fd, uint32_t guest_port);
  void guest_connect(const VsockHeader& request);
  std::optional<uint32_t> allocate_local_port();
  void flush_host(Connection& c);
  void pump_host(Connection& c);
  void update_interest(Connection& c);
  void maybe_finish(Connection& c);
  void close_connection(Connection& c, bool send_rst);
  void drop_all_connections();
  void sweep();
  void rearm_timer();

  // Guest side.
  void process_tx();
  void handle_packet(const DescriptorChain& chain);
  void receive_from_guest(Connection& c, const DescriptorChain& chain, uint32_t len);
  VsockHeader header_for(const Connection& c, uint16_t op) const;
  void reply_rst(const VsockHeader& to);
  void queue_credit_update(Connection& c);
  void send_control(const VsockHeader& h);
  bool deliver(VsockHeader h);
  void flush_control();
  std::optional<DescriptorChain> take_rx_chain();
  void push_rx(uint16_t head, uint32_t written);
  void flush_notifications();
  uint32_t peer_credit(const Connection& c) const;

  EventLoop& loop_;
  const uint64_t guest_cid_;
  const std::string uds_path_;
  UniqueFd listen_fd_;
  UniqueFd timer_fd_;
  std::chrono::milliseconds connect_timeout_{5000};

  std::vector<Virtqueue>* queues_ = nullptr;
  std::function<void(uint16_t)> notify_used_;
  bool active_ = false;
  std::optional<std::string> failed_;

  std::map<Key, std::unique_ptr<Connection>> conns_;
  std::vector<Key> dead_;  // closed connections, erased by sweep() once no caller holds them
  std::map<uint64_t, std::unique_ptr<PendingAccept>> accepts_;
  uint64_t next_accept_id_ = 0;
  uint32_t next_local_port_ = 1024;

  // Control packets waiting for rx buffers, in order; data is only sent while this is empty,
  // so a connection's packets reach the guest in the order they were produced.
  std::deque<VsockHeader> control_;
  std::optional<DescriptorChain> rx_spare_;  // popped from rx but not used yet
  bool rx_starved_ = false;                  // rx ran dry; waiting for queue_notify(0)
  bool rx_pushed_ = false;                   // rx chains used since the last interrupt
  std::vector<uint8_t> scratch_;
};

}  // namespace ppc::vmm
