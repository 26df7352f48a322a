#pragma once
// The host side of virtio-vsock: every stream's host socket, in the event loop.
//  - Host-initiated streams come from the listener (the "CONNECT <port>\n" handshake at
//    uds_path); the muxer picks the host-side port and asks the guest with a REQUEST, which
//    the guest must answer within the connect timeout.
//  - Guest-initiated streams: a REQUEST to host port P connects to "<uds_path>_<P>".
// Guest packets arrive from the device (on_guest_packet); what goes to the guest leaves
// through VsockGuestRx, the device's rx queue. Each stream's protocol state is a
// VsockConnection; the muxer adds its socket and what the loop watches on it.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/unique_fd.h"
#include "event_loop.h"
#include "virtio/queue.h"
#include "virtio/vsock_connection.h"
#include "virtio/vsock_listener.h"
#include "virtio/vsock_packet.h"

namespace ppc::vmm {

// The way to the guest, as the muxer sees it: the device's rx queue. A QueueError from
// these is the device's to handle (VsockListener::Guard).
class VsockGuestRx {
 public:
  virtual ~VsockGuestRx() = default;
  // A driver is there to talk to.
  virtual bool active() const = 0;
  // Data may go to the guest now: active, and the rx queue has not run dry, so no control
  // packet waits for a buffer (data must never overtake one).
  virtual bool open() const = 0;
  // A header-only packet, delivered now or queued in order behind earlier ones.
  virtual void send_control(const VsockHeader& h) = 0;
  // The next rx chain; nullopt when the queue ran dry (then open() is false until the
  // driver posts more).
  virtual std::optional<DescriptorChain> take() = 0;
  // An unused chain goes back: the next take() returns it.
  virtual void put_back(DescriptorChain chain) = 0;
  // Hands a chain to the driver with written bytes in it.
  virtual void push(uint16_t head, uint32_t written) = 0;
};

class VsockMuxer {
 public:
  using Clock = std::chrono::steady_clock;

  // Listens at uds_path (see VsockListener) and arms the connect-timeout timer; every loop
  // handler runs through guard. Throws Error when either fails.
  VsockMuxer(EventLoop& loop, uint64_t guest_cid, std::string uds_path, VsockGuestRx& rx, VsockListener::Guard guard);
  // Closes every socket and removes uds_path.
  ~VsockMuxer();
  VsockMuxer(const VsockMuxer&) = delete;
  VsockMuxer& operator=(const VsockMuxer&) = delete;

  // One packet from the guest's tx queue; chain holds its payload after the header.
  void on_guest_packet(const VsockHeader& h, const DescriptorChain& chain);
  // A control packet leaves for the guest now: it carries its stream's window as of now.
  void stamp_window(VsockHeader& h);
  // The rx queue has buffers again: host sockets blocked on it may go on.
  void resume();
  // Closes every stream (host sockets see EOF); the listener stays.
  void drop_all();
  // drop_all(), and the timer is left for waiting CONNECT lines only.
  void reset();
  // Frees closed streams, once no caller holds them any more.
  void sweep();
  // While held, a host client's CONNECT waits (within the connect timeout) instead of
  // reaching the guest: a restored guest answers with its old CID until it has handled the
  // transport reset. Releasing sends the waiting requests in order; reset() releases too.
  void hold_host_connections() { holding_ = true; }
  void release_host_connections();

  void set_connect_timeout(std::chrono::milliseconds timeout);
  // At most this many streams at once, either side opening them: each holds a host socket
  // and up to kBufAlloc of buffered data, and the guest opens as many as it likes.
  static constexpr size_t kDefaultMaxStreams = 512;
  void set_max_streams(size_t n) { max_streams_ = n; }
  size_t connection_count() const { return streams_.size(); }

 private:
  // Host-side ports we give host-initiated streams, in turn.
  static constexpr uint32_t kFirstLocalPort = 1024;
  static constexpr uint32_t kLastLocalPort = 0xfffffffe;  // 0xffffffff is VMADDR_PORT_ANY
  using Key = std::pair<uint32_t, uint32_t>;  // (host-side port, guest-side port)
  struct Stream {
    explicit Stream(VsockConnection c) : conn(std::move(c)) {}
    VsockConnection conn;
    UniqueFd fd;
    Clock::time_point deadline;  // for the guest's answer while conn.connecting()
    uint32_t events = 0;         // epoll interest registered; 0 = not in the loop
    bool dead = false;           // closed, waiting for sweep()
  };

  Stream* find_live(Key key);
  Stream& add(VsockConnection conn, UniqueFd fd);
  // deadline: when the guest's answer is due (by default one connect timeout from now).
  void start_host_connection(UniqueFd fd, uint32_t guest_port, std::optional<Clock::time_point> deadline = std::nullopt);
  std::optional<uint32_t> allocate_local_port();
  void guest_connect(const VsockHeader& request);
  void apply(Stream& s, VsockConnection::GuestStep step, const VsockHeader& h, const DescriptorChain& chain);
  void receive_from_guest(Stream& s, const DescriptorChain& chain, uint32_t len);
  void queue_credit_update(Stream& s);

  void on_host_event(Key key, uint32_t events);
  void flush_host(Stream& s);
  void pump_host(Stream& s);
  bool pump_one(Stream& s);
  void update_interest(Stream& s);
  void maybe_finish(Stream& s);
  void close(Stream& s, bool send_rst);

  void on_timer();
  void rearm_timer();

  EventLoop& loop_;
  const uint64_t guest_cid_;
  VsockGuestRx& rx_;
  VsockListener::Guard guard_;
  std::chrono::milliseconds connect_timeout_{5000};
  VsockListener listener_;
  UniqueFd timer_fd_;

  std::map<Key, std::unique_ptr<Stream>> streams_;
  size_t max_streams_ = kDefaultMaxStreams;
  std::vector<Key> dead_;  // closed streams, erased by sweep()
  struct HeldConnect {
    UniqueFd fd;
    uint32_t guest_port;
    Clock::time_point deadline;
  };
  bool holding_ = false;
  std::vector<HeldConnect> held_;  // with streams_, at most max_streams_
  uint32_t next_local_port_ = kFirstLocalPort;
  std::vector<uint8_t> scratch_;
};

}  // namespace ppc::vmm
