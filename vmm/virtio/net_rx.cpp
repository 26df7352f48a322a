#include "virtio/net_rx.h"

#include <algorithm>
#include <array>

#include "virtio/net_header.h"

namespace ppc::vmm {
namespace {

// With mergeable buffers a read may need this much room: the largest frame a tap hands over.
constexpr uint64_t kRoomForAnyFrame = net::kHeaderSize + net::kMaxFrame;
constexpr size_t kMaxIov = 1024;  // UIO_MAXIOV: what one readv takes

}  // namespace

void NetRx::configure(bool mergeable, bool guest_csum) {
  mergeable_ = mergeable;
  guest_csum_ = guest_csum;
}

void NetRx::clear() {
  held_.clear();
  held_bytes_ = 0;
  held_buffers_ = 0;
}

void NetRx::top_up(Virtqueue& rx, bool& used) {
  // A driver has no more buffers out than its ring has descriptors; one that makes held
  // chains available again anyway does not get more held.
  while ((mergeable_ ? held_bytes_ < kRoomForAnyFrame : held_.empty()) && held_buffers_ < rx.size()) {
    auto chain = rx.pop();
    if (!chain) return;
    // Receive buffers are device-writable, hold at least the header, and fit one read.
    if (!chain->readable.empty() || chain->writable_bytes() < net::kHeaderSize || chain->writable.size() > kMaxIov) {
      rx.push(chain->head, 0);
      ++counters_.bad_chains;
      used = true;
      continue;
    }
    held_bytes_ += chain->writable_bytes();
    held_buffers_ += chain->writable.size();
    held_.push_back(std::move(*chain));
  }
}

// Lays the held chains out as the next read's iovec: all of them with mergeable buffers (up
// to the room any frame needs), else the first. Returns the bytes they take.
size_t NetRx::gather() {
  iov_.clear();
  chain_bytes_.clear();
  size_t total = 0;
  for (const auto& chain : held_) {
    size_t bytes = 0;
    for (const auto& buf : chain.writable) {
      if (iov_.size() == kMaxIov) break;
      iov_.push_back({buf.data(), buf.size()});
      bytes += buf.size();
    }
    if (bytes == 0) break;  // out of iovec entries (never the first chain: see top_up)
    chain_bytes_.push_back(bytes);
    total += bytes;
    if (!mergeable_ || total >= kRoomForAnyFrame || iov_.size() == kMaxIov) break;
  }
  return total;
}

// The frame of `length` bytes is in the gathered chains: each but the last is used in full.
void NetRx::deliver(Virtqueue& rx, size_t length) {
  size_t rest = length;
  uint16_t buffers = 0;
  while (rest > 0) {
    const size_t n = std::min(rest, chain_bytes_[buffers]);
    rx.add_used(held_[buffers].head, static_cast<uint32_t>(n));
    rest -= n;
    ++buffers;
  }
  // The tap leaves num_buffers alone: it is ours to write (1 without mergeable buffers).
  const std::array<uint8_t, 2> count{static_cast<uint8_t>(buffers), static_cast<uint8_t>(buffers >> 8)};
  held_.front().write(10, count);
  if (!guest_csum_) {
    const std::array<uint8_t, 1> no_flags{0};
    held_.front().write(0, no_flags);
  }
  rx.publish_used();
  for (uint16_t i = 0; i < buffers; ++i) {
    held_bytes_ -= held_.front().writable_bytes();
    held_buffers_ -= held_.front().writable.size();
    held_.pop_front();
  }
  ++counters_.frames;
  counters_.bytes += length;
  if (buffers > 1) ++counters_.merged;
}

NetRx::Stop NetRx::receive(Virtqueue& rx, NetBackend& backend, unsigned max_frames, bool& used) {
  for (unsigned n = 0; n < max_frames; ++n) {
    top_up(rx, used);
    if (held_.empty()) return Stop::NoBuffers;
    // Short of room for any frame, wait for more buffers, unless the driver has none left to
    // post (every descriptor of the ring is held): then frames that fit still get through.
    if (mergeable_ && held_bytes_ < kRoomForAnyFrame && held_buffers_ < rx.size()) return Stop::NoBuffers;
    const size_t room = gather();
    const auto length = backend.read_frame(iov_);
    if (!length) return Stop::BackendEmpty;
    if (*length > room || *length < net::kHeaderSize) {
      // The buffers hold a truncated frame the driver never gets: they stay held for the next.
      ++counters_.dropped;
      drops_.line("virtio-net " + backend.name() + ": a frame of " + std::to_string(*length) +
                  " bytes (with its header) did not fit into " + std::to_string(room) + " bytes of receive buffers");
      continue;
    }
    deliver(rx, *length);
    used = true;
  }
  return Stop::Budget;
}

}  // namespace ppc::vmm
