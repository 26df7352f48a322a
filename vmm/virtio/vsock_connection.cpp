#include "virtio/vsock_connection.h"

#include <cstddef>

namespace ppc::vmm {

namespace vsock {

uint32_t credit(uint32_t peer_buf_alloc, uint32_t tx_cnt, uint32_t peer_fwd_cnt) {
  // The in-flight count wraps like the counters; the rest is 64-bit, so that a window
  // smaller than what is in flight yields 0, not a wrap.
  const uint32_t in_flight = tx_cnt - peer_fwd_cnt;
  const int64_t left = static_cast<int64_t>(peer_buf_alloc) - static_cast<int64_t>(in_flight);
  return left > 0 ? static_cast<uint32_t>(left) : 0;
}

bool credit_update_due(uint32_t fwd_cnt, uint32_t fwd_cnt_advertised, uint32_t threshold) {
  return fwd_cnt - fwd_cnt_advertised >= threshold;
}

}  // namespace vsock

VsockConnection VsockConnection::host_initiated(uint64_t guest_cid, uint32_t local_port, uint32_t guest_port) {
  VsockConnection c(guest_cid, local_port, guest_port);
  c.connecting_ = true;
  return c;
}

VsockConnection VsockConnection::guest_initiated(uint64_t guest_cid, const VsockHeader& request) {
  VsockConnection c(guest_cid, request.dst_port, request.src_port);
  c.peer_buf_alloc_ = request.buf_alloc;
  c.peer_fwd_cnt_ = request.fwd_cnt;
  return c;
}

VsockHeader VsockConnection::header(uint16_t op) const {
  VsockHeader h;
  h.src_cid = vsock::kHostCid;
  h.dst_cid = guest_cid_;
  h.src_port = local_port_;
  h.dst_port = guest_port_;
  h.type = vsock::kTypeStream;
  h.op = op;
  h.buf_alloc = kBufAlloc;
  h.fwd_cnt = fwd_cnt_;
  return h;
}

VsockConnection::GuestStep VsockConnection::on_guest_packet(const VsockHeader& h) {
  peer_buf_alloc_ = h.buf_alloc;
  peer_fwd_cnt_ = h.fwd_cnt;
  if (!connecting_) return on_open_stream_packet(h);
  if (h.op != vsock::kOpResponse) return GuestStep::kReset;
  connecting_ = false;
  hello_ = "OK " + std::to_string(local_port_) + "\n";
  return GuestStep::kFlushHost;
}

VsockConnection::GuestStep VsockConnection::on_open_stream_packet(const VsockHeader& h) {
  switch (h.op) {
    case vsock::kOpRw:
      return GuestStep::kReceive;
    case vsock::kOpCreditUpdate:
      return GuestStep::kNothing;  // the window was taken already
    case vsock::kOpCreditRequest:
      return GuestStep::kCreditUpdate;
    case vsock::kOpShutdown:
      if (h.flags & vsock::kShutdownRcv) guest_shut_rcv_ = true;
      if (h.flags & vsock::kShutdownSend) guest_shut_send_ = true;
      return GuestStep::kFlushHost;  // applies a send-shutdown when nothing is buffered
    default:  // REQUEST/RESPONSE on an open stream, or an unknown op
      return GuestStep::kReset;
  }
}

bool VsockConnection::finished() const {
  return !connecting_ && guest_shut_send_ && flushed() && (guest_shut_rcv_ || host_eof_);
}

VsockHeader VsockConnection::data_header(uint32_t len) {
  VsockHeader h = header(vsock::kOpRw);
  h.len = len;
  fwd_cnt_advertised_ = fwd_cnt_;
  tx_cnt_ += len;
  return h;
}

VsockHeader VsockConnection::on_host_eof() {
  host_eof_ = true;
  VsockHeader h = header(vsock::kOpShutdown);
  h.flags = vsock::kShutdownSend;
  return h;
}

void VsockConnection::stamp_window(VsockHeader& h) {
  h.fwd_cnt = fwd_cnt_;
  fwd_cnt_advertised_ = fwd_cnt_;
  if (h.op == vsock::kOpCreditUpdate) credit_update_queued_ = false;
}

std::optional<std::span<uint8_t>> VsockConnection::reserve_host_bound(uint32_t len) {
  if (guest_shut_send_ || host_wr_shut_ || buffered() + len > kBufAlloc) return std::nullopt;
  // Drop what the host took once that is worth a move, so the buffer stays near kBufAlloc.
  if (out_off_ > 0 && (out_off_ == out_.size() || out_off_ >= kBufAlloc / 2)) {
    out_.erase(out_.begin(), out_.begin() + static_cast<std::ptrdiff_t>(out_off_));
    out_off_ = 0;
  }
  const size_t at = out_.size();
  out_.resize(at + len);
  return std::span<uint8_t>(out_.data() + at, len);
}

std::span<const uint8_t> VsockConnection::host_bound() const {
  if (!hello_.empty()) return {reinterpret_cast<const uint8_t*>(hello_.data()), hello_.size()};
  return {out_.data() + out_off_, buffered()};
}

void VsockConnection::host_took(size_t n) {
  if (!hello_.empty()) {
    hello_.erase(0, n);
    return;
  }
  out_off_ += n;
  fwd_cnt_ += static_cast<uint32_t>(n);
  if (buffered() == 0) {
    out_.clear();
    out_off_ = 0;
  }
}

bool VsockConnection::take_host_write_shutdown() {
  if (buffered() != 0 || !guest_shut_send_ || host_wr_shut_) return false;
  host_wr_shut_ = true;
  return true;
}

bool VsockConnection::mark_credit_update_queued() {
  if (credit_update_queued_) return false;
  credit_update_queued_ = true;
  return true;
}

}  // namespace ppc::vmm
