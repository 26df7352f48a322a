#include "virtio/vsock.h"

#include <array>

#include "base/error.h"

namespace ppc::vmm {
namespace {

// Control packets are queued only while the guest posts no rx buffers; a guest that floods
// us with bad packets meanwhile loses the excess replies rather than our memory.
constexpr size_t kMaxPendingControl = 4096;

uint64_t checked_guest_cid(uint64_t cid) {
  // CIDs 0-2 are the hypervisor, local and host; 0xffffffff is VMADDR_CID_ANY.
  if (cid < 3 || cid >= 0xffffffffull)
    throw Error("vsock guest CID " + std::to_string(cid) + " is reserved (use 3 to 4294967294)");
  return cid;
}

}  // namespace

VsockDevice::VsockDevice(EventLoop& loop, uint64_t guest_cid, std::string uds_path)
    : guest_cid_(checked_guest_cid(guest_cid)),
      muxer_(loop, guest_cid_, std::move(uds_path), *this, [this](const std::function<void()>& fn) { guarded(fn); }) {}

void VsockDevice::read_config(uint64_t offset, std::span<uint8_t> out) const {
  // struct virtio_vsock_config { le64 guest_cid; }
  for (size_t i = 0; i < out.size(); ++i) {
    const uint64_t at = offset + i;
    out[i] = (at >= offset && at < 8) ? static_cast<uint8_t>(guest_cid_ >> (8 * at)) : 0;
  }
}

void VsockDevice::activate(std::vector<Virtqueue>& queues, uint64_t, std::function<void(uint16_t)> notify_used) {
  if (queues.size() < 3) throw Error("vsock needs 3 queues, got " + std::to_string(queues.size()));
  queues_ = &queues;
  notify_used_ = std::move(notify_used);
  active_ = true;
  failed_.reset();
  rx_starved_ = false;
  rx_pushed_ = false;
}

void VsockDevice::queue_notify(uint16_t queue) {
  if (failed_) throw QueueError(*failed_);
  if (!active_) return;
  try {
    if (queue == 0) {
      // New rx buffers: deliver what waited for them, then let blocked host sockets go on.
      const bool was_starved = rx_starved_;
      rx_starved_ = false;
      flush_control();
      if (was_starved && !rx_starved_) muxer_.resume();
    } else if (queue == 1) {
      process_tx();
    } else if (queue == 2) {
      // Event buffers: used only for the transport reset event of a restored device.
      send_transport_reset();
      check_transport_reset_handled();
    }
  } catch (const QueueError& e) {
    fail(e.what());
    throw;
  }
  muxer_.sweep();
  flush_notifications();
}

void VsockDevice::before_save() {
  if (!rx_spare_) return;
  // Given back empty, as a chain too short for a header is: the driver drops it and reposts.
  push(rx_spare_->head, 0);
  rx_spare_.reset();
}

void VsockDevice::after_restore() {
  transport_reset_pending_ = true;
  muxer_.hold_host_connections();
  send_transport_reset();
}

void VsockDevice::send_transport_reset() {
  if (!transport_reset_pending_ || !active_) return;
  Virtqueue& events = (*queues_)[2];
  // struct virtio_vsock_event { le32 id; }: VIRTIO_VSOCK_EVENT_TRANSPORT_RESET is 0.
  static constexpr std::array<uint8_t, 4> kTransportReset{};
  // Read before any buffer goes back: the driver may handle and repost one at once.
  const uint16_t posted = events.watch_available();
  uint16_t used = 0;
  while (auto chain = events.pop()) {
    const size_t written = chain->write(0, kTransportReset);
    events.push(chain->head, static_cast<uint32_t>(written));  // a short one: the driver drops it
    ++used;
    if (written == kTransportReset.size()) {
      transport_reset_pending_ = false;
      // Linux handles each used event buffer in turn and posts it again, then notifies.
      reset_handled_at_ = static_cast<uint16_t>(posted + used);
      awaiting_reset_handled_ = true;
      break;
    }
  }
  if (used) notify_used_(2);
}

void VsockDevice::check_transport_reset_handled() {
  if (!awaiting_reset_handled_ || !active_) return;
  // Every buffer the reset went through is posted again: the driver handled the event, and
  // answers with the CID it read again from now on.
  const uint16_t available = (*queues_)[2].watch_available();
  if (static_cast<int16_t>(available - reset_handled_at_) < 0) return;
  awaiting_reset_handled_ = false;
  muxer_.release_host_connections();
}

void VsockDevice::reset() {
  transport_reset_pending_ = false;
  awaiting_reset_handled_ = false;
  muxer_.reset();
  control_.clear();
  rx_spare_.reset();
  queues_ = nullptr;
  notify_used_ = nullptr;
  active_ = false;
  failed_.reset();
  rx_starved_ = false;
  rx_pushed_ = false;
}

void VsockDevice::guarded(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const QueueError& e) {
    fail(e.what());
  }
  muxer_.sweep();
  flush_notifications();
}

void VsockDevice::fail(const std::string& message) {
  failed_ = message;
  active_ = false;
  rx_pushed_ = false;
  control_.clear();
  rx_spare_.reset();
  muxer_.drop_all();
}

void VsockDevice::process_tx() {
  Virtqueue& tx = (*queues_)[1];
  bool used = false;
  while (auto chain = tx.pop()) {
    // Shorter than a header: dropped without a reply.
    if (const auto h = vsock::read_header(*chain)) muxer_.on_guest_packet(*h, *chain);
    tx.push(chain->head, 0);
    used = true;
    muxer_.sweep();  // a connection closed by this packet frees its ports for the next one
  }
  if (used) notify_used_(1);
}

// ---- To the guest ----------------------------------------------------------------------

void VsockDevice::send_control(const VsockHeader& h) {
  if (!active_) return;
  if (!rx_starved_ && control_.empty() && deliver(h)) return;
  if (control_.size() < kMaxPendingControl) control_.push_back(h);
}

bool VsockDevice::deliver(VsockHeader h) {
  for (;;) {
    auto chain = take();
    if (!chain) return false;
    if (chain->writable_bytes() < vsock::kHeaderSize) {
      push(chain->head, 0);
      continue;
    }
    muxer_.stamp_window(h);  // a packet that waited carries the window as of now
    push(chain->head, vsock::write_packet(*chain, h));
    return true;
  }
}

void VsockDevice::flush_control() {
  while (!control_.empty()) {
    if (!deliver(control_.front())) return;
    control_.pop_front();
  }
}

std::optional<DescriptorChain> VsockDevice::take() {
  if (rx_spare_) {
    auto chain = std::move(rx_spare_);
    rx_spare_.reset();
    return chain;
  }
  auto chain = (*queues_)[0].pop();
  if (!chain) rx_starved_ = true;
  return chain;
}

void VsockDevice::push(uint16_t head, uint32_t written) {
  (*queues_)[0].push(head, written);
  rx_pushed_ = true;
}

void VsockDevice::flush_notifications() {
  if (rx_pushed_ && active_ && notify_used_) notify_used_(0);
  rx_pushed_ = false;
}

}  // namespace ppc::vmm
