#pragma once
// One vsock stream between a host socket and a guest port, as protocol state only: whether
// the guest accepted it yet, both directions' credit, the shutdowns, and the bytes still to
// be written to the host socket. It touches no socket, so every rule here is unit-tested
// alone; the muxer owns the socket and does what these methods ask for.
//
// Credit (virtio spec, "Device Operation: Flow control"): each side tells the other its
// receive buffer size (buf_alloc) and how many bytes it has taken out of it (fwd_cnt); the
// sender keeps its own count of bytes sent (tx_cnt). The counters are u32 and wrap, so only
// their differences mean anything.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "virtio/vsock_packet.h"

namespace ppc::vmm {

namespace vsock {

// Bytes the peer can still take: its window minus what is in flight. A peer that shrank its
// window below what is in flight, or claims to have taken more than was sent, gets 0.
uint32_t credit(uint32_t peer_buf_alloc, uint32_t tx_cnt, uint32_t peer_fwd_cnt);
// Whether enough was forwarded since the peer last heard our fwd_cnt to tell it again.
bool credit_update_due(uint32_t fwd_cnt, uint32_t fwd_cnt_advertised, uint32_t threshold);

}  // namespace vsock

class VsockConnection {
 public:
  // Our receive window: the most guest data we ever hold for the host socket.
  static constexpr uint32_t kBufAlloc = 256 * 1024;
  // Tell the guest about freed window once this much was forwarded since we last did: often
  // enough that a guest waiting for credit never stalls (it is well below kBufAlloc), rarely
  // enough to cost little.
  static constexpr uint32_t kCreditUpdateThreshold = 64 * 1024;

  // What the muxer does after a guest packet on this connection.
  enum class GuestStep {
    kNothing,
    kFlushHost,     // write what is pending to the host socket (hello, data, a shutdown)
    kReceive,       // take the packet's payload (reserve_host_bound), then flush
    kCreditUpdate,  // the guest asked for our window
    kReset,         // the guest broke the protocol: RST and close
  };

  // Host-initiated: our REQUEST to guest_port waits for the guest's RESPONSE.
  static VsockConnection host_initiated(uint64_t guest_cid, uint32_t local_port, uint32_t guest_port);
  // Guest-initiated: established at once, with the window the guest's REQUEST carried.
  static VsockConnection guest_initiated(uint64_t guest_cid, const VsockHeader& request);

  uint32_t local_port() const { return local_port_; }
  uint32_t guest_port() const { return guest_port_; }
  bool connecting() const { return connecting_; }

  // A header from us to the guest on this stream, carrying our current window.
  VsockHeader header(uint16_t op) const;
  // Takes the window every guest header carries, then steps the state machine for its op.
  GuestStep on_guest_packet(const VsockHeader& h);
  // Both directions are done: the guest sends no more and all it sent reached the host, and
  // it reads no more or the host has no more. Linux then expects our RST.
  bool finished() const;

  // ---- Host to guest ----
  uint32_t peer_credit() const { return vsock::credit(peer_buf_alloc_, tx_cnt_, peer_fwd_cnt_); }
  // Whether host data may still go to the guest (neither host EOF nor guest receive-shutdown).
  bool host_to_guest_open() const { return !host_eof_ && !guest_shut_rcv_; }
  // The header for len bytes of host data about to go to the guest; counts them as sent.
  VsockHeader data_header(uint32_t len);
  // The host socket reached EOF: returns the SHUTDOWN(send) that tells the guest.
  VsockHeader on_host_eof();
  // Stamps a control packet with our window as of now (it may have waited for an rx buffer).
  void stamp_window(VsockHeader& h);

  // ---- Guest to host ----
  // Room for len more guest bytes behind what the host socket has not taken yet; nullopt
  // when the guest broke the stream: data after its own send-shutdown, or beyond our window.
  std::optional<std::span<uint8_t>> reserve_host_bound(uint32_t len);
  // What the host socket is to be written next: the "OK <port>\n" hello ahead of any data.
  std::span<const uint8_t> host_bound() const;
  bool hello_pending() const { return !hello_.empty(); }
  // The host socket took n bytes of host_bound(); data bytes count as forwarded.
  void host_took(size_t n);
  bool flushed() const { return hello_.empty() && buffered() == 0; }
  // True once, when the guest's send-shutdown is to reach the host socket now: everything
  // before it was written.
  bool take_host_write_shutdown();
  bool credit_update_due() const {
    return vsock::credit_update_due(fwd_cnt_, fwd_cnt_advertised_, kCreditUpdateThreshold);
  }
  // False when a CREDIT_UPDATE is queued already (it will carry the newest window).
  bool mark_credit_update_queued();

 private:
  VsockConnection(uint64_t guest_cid, uint32_t local_port, uint32_t guest_port)
      : guest_cid_(guest_cid), local_port_(local_port), guest_port_(guest_port) {}
  size_t buffered() const { return out_.size() - out_off_; }
  GuestStep on_open_stream_packet(const VsockHeader& h);

  uint64_t guest_cid_;
  uint32_t local_port_;
  uint32_t guest_port_;
  bool connecting_ = false;  // host-initiated, our REQUEST not answered yet

  // Host to guest: the guest's window as it last told us, and what we sent.
  uint32_t peer_buf_alloc_ = 0, peer_fwd_cnt_ = 0, tx_cnt_ = 0;
  // Guest to host: what we forwarded to the host socket and last told the guest about.
  uint32_t fwd_cnt_ = 0, fwd_cnt_advertised_ = 0;
  bool credit_update_queued_ = false;
  std::string hello_;         // "OK <port>\n" still to write, ahead of any guest data
  std::vector<uint8_t> out_;  // guest data the host socket has not taken yet, from out_off_
  size_t out_off_ = 0;

  bool guest_shut_send_ = false, guest_shut_rcv_ = false;  // the guest's SHUTDOWN flags
  bool host_eof_ = false;                                  // the host socket read returned 0
  bool host_wr_shut_ = false;                              // the host socket was shut for writing
};

}  // namespace ppc::vmm
