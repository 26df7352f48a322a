#pragma once
// virtio-vsock (device ID 19) without vhost: the VMM itself terminates the guest's vsock
// streams on host Unix sockets, the "hybrid" scheme Firecracker uses.
//  - Host to guest: a host process connects to uds_path and writes "CONNECT <port>\n". The
//    device opens a stream from a host port of its choosing to guest port <port>; when the
//    guest accepts it writes "OK <host port>\n" back and relays bytes, when the guest refuses
//    (RST) or does not answer within the connect timeout it closes the socket.
//  - Guest to host: a guest connect() to CID 2 port P reaches whoever listens on the Unix
//    socket "<uds_path>_<P>"; nobody there means the guest gets a reset.
// A snapshot of the machine keeps no stream: a restored guest is told its connections are
// gone by a transport reset event, as virtio 5.10.6.6 has for a migrated device.
// Flow control is vsock's credit scheme in both directions: the guest never gets more bytes
// than its advertised window, and a guest that overruns ours is reset, so every connection
// buffers at most kBufAlloc bytes on the host.
//
// The parts: vsock_packet (the wire header, in and out of descriptor chains),
// vsock_connection (one stream's protocol state and credit), vsock_listener (the socket at
// uds_path and the CONNECT line), vsock_muxer (the host sockets of all streams) and this
// device (the virtqueues).
//
// Threading: everything, the constructor and destructor included, runs on the event-loop
// thread (or while the loop is not running): the loop's handler table is not thread-safe.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "event_loop.h"
#include "virtio/device.h"
#include "virtio/queue.h"
#include "virtio/vsock_connection.h"
#include "virtio/vsock_muxer.h"
#include "virtio/vsock_packet.h"

namespace ppc::vmm {

// The device: the three virtqueues and config space. Guest packets from tx go to the muxer;
// packets for the guest go into rx buffers, control packets queued in order while the
// driver posts none.
class VsockDevice : public VirtioDevice, private VsockGuestRx {
 public:
  static constexpr uint64_t kHostCid = vsock::kHostCid;
  // Our receive window per connection: the most guest data we ever hold for a host socket.
  static constexpr uint32_t kBufAlloc = VsockConnection::kBufAlloc;

  // Creates the listening socket at uds_path (replacing a stale socket file there) and
  // registers it with loop. Throws Error for a reserved guest_cid or a socket failure.
  VsockDevice(EventLoop& loop, uint64_t guest_cid, std::string uds_path);
  // Closes every socket and removes uds_path.
  ~VsockDevice() override = default;
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
  // A snapshot keeps no connection: the rx buffer held back goes to the driver unused, and a
  // restored device sends the driver a transport reset event (its connected sockets get
  // ECONNRESET, its listening ones stay, and it reads the guest CID again), as soon as the
  // driver has an event buffer posted. Until the driver has handled it (posted the buffer
  // again), host clients' CONNECTs wait: the guest would answer them from its old CID. (A
  // guest saved while its driver was still posting its first event buffers may be taken to
  // have handled it early; its first connections may then be reset.)
  void before_save() override;
  void after_restore() override;

  // How long a host client may take to send its CONNECT line, and the guest to answer the
  // resulting request (default 5 s).
  void set_connect_timeout(std::chrono::milliseconds timeout) { muxer_.set_connect_timeout(timeout); }
  // Open connections (diagnostics and tests).
  size_t connection_count() const { return muxer_.connection_count(); }
  void set_max_streams(size_t n) { muxer_.set_max_streams(n); }

 private:
  // Every loop handler of the muxer runs through here.
  void guarded(const std::function<void()>& fn);
  void fail(const std::string& message);
  void process_tx();
  void flush_control();
  bool deliver(VsockHeader h);
  void flush_notifications();
  void send_transport_reset();
  void check_transport_reset_handled();

  // VsockGuestRx, for the muxer.
  bool active() const override { return active_; }
  bool open() const override { return active_ && !rx_starved_; }
  void send_control(const VsockHeader& h) override;
  std::optional<DescriptorChain> take() override;
  void put_back(DescriptorChain chain) override { rx_spare_ = std::move(chain); }
  void push(uint16_t head, uint32_t written) override;

  const uint64_t guest_cid_;
  std::vector<Virtqueue>* queues_ = nullptr;
  std::function<void(uint16_t)> notify_used_;
  bool active_ = false;
  std::optional<std::string> failed_;

  // Control packets waiting for rx buffers, in order; data is only sent while this is empty,
  // so a connection's packets reach the guest in the order they were produced.
  std::deque<VsockHeader> control_;
  std::optional<DescriptorChain> rx_spare_;  // popped from rx but not used yet
  bool rx_starved_ = false;                  // rx ran dry; waiting for queue_notify(0)
  bool rx_pushed_ = false;                   // rx chains used since the last interrupt
  bool transport_reset_pending_ = false;     // restored; the event waits for an event buffer
  bool awaiting_reset_handled_ = false;      // the event is out; host connections are held
  uint16_t reset_handled_at_ = 0;            // the event queue's available index that says so
  // Last, so that it goes first: its loop handlers use everything above.
  VsockMuxer muxer_;
};

}  // namespace ppc::vmm
