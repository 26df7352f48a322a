#include "virtio/queue.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "base/hex.h"

namespace ppc::vmm {
namespace {

constexpr uint16_t kAvailNoInterrupt = 1;
constexpr uint32_t kMaxChainBytes = 1u << 30;  // no sane request is larger; bounds the work

}  // namespace

uint64_t DescriptorChain::readable_bytes() const {
  uint64_t n = 0;
  for (const auto& b : readable) n += b.size();
  return n;
}

uint64_t DescriptorChain::writable_bytes() const {
  uint64_t n = 0;
  for (const auto& b : writable) n += b.size();
  return n;
}

size_t DescriptorChain::read(uint64_t offset, std::span<uint8_t> out) const {
  size_t done = 0;
  for (const auto& b : readable) {
    if (done == out.size()) break;
    if (offset >= b.size()) {
      offset -= b.size();
      continue;
    }
    const size_t n = std::min<size_t>(b.size() - offset, out.size() - done);
    std::memcpy(out.data() + done, b.data() + offset, n);
    done += n;
    offset = 0;
  }
  return done;
}

size_t DescriptorChain::write(uint64_t offset, std::span<const uint8_t> in) const {
  size_t done = 0;
  for (const auto& b : writable) {
    if (done == in.size()) break;
    if (offset >= b.size()) {
      offset -= b.size();
      continue;
    }
    const size_t n = std::min<size_t>(b.size() - offset, in.size() - done);
    std::memcpy(b.data() + offset, in.data() + done, n);
    done += n;
    offset = 0;
  }
  return done;
}

bool Virtqueue::enable() {
  // Size: a power of two no larger than what we offered. Rings: inside RAM, aligned as the
  // spec requires (16 for descriptors, 2 for avail, 4 for used).
  if (size_ == 0 || size_ > max_size_ || (size_ & (size_ - 1))) return false;
  if (desc_ % 16 || avail_ % 2 || used_ % 4) return false;
  if (!mem_->contains(desc_, 16ull * size_) || !mem_->contains(avail_, 6 + 2ull * size_) ||
      !mem_->contains(used_, 6 + 8ull * size_))
    return false;
  ready_ = true;
  next_avail_ = next_used_ = published_used_ = signalled_used_ = 0;
  signalled_valid_ = false;
  return true;
}

QueueState Virtqueue::state() const {
  return {size_, desc_, avail_, used_, ready_, next_avail_, next_used_, published_used_, event_idx_, signalled_used_,
          signalled_valid_};
}

void Virtqueue::restore(const QueueState& state) {
  reset();
  size_ = state.size;
  desc_ = state.desc;
  avail_ = state.avail;
  used_ = state.used;
  event_idx_ = state.event_idx;
  if (!state.ready) return;
  if (!enable()) {
    throw Error("a ready queue of size " + std::to_string(size_) + " with rings at " + hex(desc_) + ", " + hex(avail_) +
                ", " + hex(used_) + " that is not valid here (a size that is a power of two up to " +
                std::to_string(max_size_) + ", rings aligned and inside RAM)");
  }
  next_avail_ = state.next_avail;
  next_used_ = state.next_used;
  published_used_ = state.published_used;
  signalled_used_ = state.signalled_used;
  signalled_valid_ = state.signalled_valid;
}

void Virtqueue::reset() {
  ready_ = false;
  size_ = 0;
  desc_ = avail_ = used_ = 0;
  next_avail_ = next_used_ = published_used_ = signalled_used_ = 0;
  signalled_valid_ = false;
}

void Virtqueue::walk(DescriptorChain& chain, uint64_t table, uint32_t table_size, uint16_t first, bool indirect,
                     uint32_t& budget) const {
  uint16_t index = first;
  // A chain visits each descriptor at most once, and 16-bit `next` reaches at most 65536 of
  // them (an indirect table can be larger): more steps than that means a loop.
  const uint32_t max_steps = std::min<uint32_t>(table_size, 65536);
  for (uint32_t steps = 0;; ++steps) {
    if (steps >= max_steps) throw QueueError("descriptor chain from " + std::to_string(first) + " loops or is too long");
    if (index >= table_size) throw QueueError("descriptor index " + std::to_string(index) + " beyond table size " + std::to_string(table_size));
    const uint64_t at = table + 16ull * index;
    const uint64_t addr = mem_->load_le64(at);
    const uint32_t len = mem_->load_le32(at + 8);
    const uint16_t flags = mem_->load_le16(at + 12);
    const uint16_t next = mem_->load_le16(at + 14);

    if (flags & kDescIndirect) {
      if (indirect) throw QueueError("nested indirect descriptor table");
      if (flags & kDescNext) throw QueueError("indirect descriptor with NEXT");
      if (len == 0 || len % 16 || !mem_->contains(addr, len)) throw QueueError("bad indirect table " + hex(addr) + "+" + hex(len));
      walk(chain, addr, len / 16, 0, true, budget);
      return;  // an indirect descriptor ends the chain
    }
    if (len > budget) throw QueueError("descriptor chain longer than " + std::to_string(kMaxChainBytes) + " bytes");
    budget -= len;
    if (!mem_->contains(addr, len)) throw QueueError("descriptor buffer " + hex(addr) + "+" + hex(len) + " outside guest RAM");
    const auto buf = mem_->slice(addr, len);
    if (flags & kDescWrite) {
      chain.writable.push_back(buf);
    } else {
      // Readable buffers come first in a chain (virtio 2.7.4.2).
      if (!chain.writable.empty()) throw QueueError("readable descriptor after a writable one");
      chain.readable.push_back(buf);
    }
    if (!(flags & kDescNext)) return;
    index = next;
  }
}

std::optional<DescriptorChain> Virtqueue::pop() {
  if (!ready_) return std::nullopt;
  uint16_t avail_idx = mem_->load_le16(avail_ + 2);
  if (avail_idx == next_avail_ && event_idx_) {
    // avail_event: notify us when the index passes the entry we wait for. The driver may
    // have added one between our read and this write: read again after it.
    mem_->store_le16(used_ + 4 + 8ull * size_, next_avail_);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    avail_idx = mem_->load_le16(avail_ + 2);
  }
  const uint16_t pending = static_cast<uint16_t>(avail_idx - next_avail_);
  if (pending == 0) return std::nullopt;
  if (pending > size_) throw QueueError("available index " + std::to_string(avail_idx) + " runs " + std::to_string(pending) + " ahead of a queue of " + std::to_string(size_));
  // The ring entry must be read after the index that published it.
  std::atomic_thread_fence(std::memory_order_acquire);
  const uint16_t head = mem_->load_le16(avail_ + 4 + 2ull * (next_avail_ % size_));
  ++next_avail_;
  DescriptorChain chain;
  chain.head = head;
  uint32_t budget = kMaxChainBytes;
  walk(chain, desc_, size_, head, false, budget);
  return chain;
}

uint16_t Virtqueue::available_index() const { return ready_ ? mem_->load_le16(avail_ + 2) : 0; }

uint16_t Virtqueue::used_index_in_ring() const { return ready_ ? mem_->load_le16(used_ + 2) : 0; }

uint16_t Virtqueue::watch_available() {
  if (!ready_) return 0;
  if (event_idx_) {
    // avail_event: notify when the index passes the one seen now. Read again after the write,
    // as pop() does, so a buffer added in between is not missed.
    mem_->store_le16(used_ + 4 + 8ull * size_, available_index());
    std::atomic_thread_fence(std::memory_order_seq_cst);
  }
  return available_index();
}

void Virtqueue::push(uint16_t head, uint32_t written) {
  add_used(head, written);
  publish_used();
}

void Virtqueue::add_used(uint16_t head, uint32_t written) {
  if (!ready_) return;
  const uint64_t elem = used_ + 4 + 8ull * (next_used_ % size_);
  mem_->store_le32(elem, head);
  mem_->store_le32(elem + 4, written);
  ++next_used_;
}

void Virtqueue::publish_used() {
  if (!ready_ || published_used_ == next_used_) return;
  // The elements must be visible before the index that publishes them.
  std::atomic_thread_fence(std::memory_order_release);
  mem_->store_le16(used_ + 2, next_used_);
  // More than 2^15 entries used since the last interrupt decision: signalled_used_ no longer
  // says which side of the index it lies on, so the next decision cannot skip the interrupt.
  if (static_cast<int16_t>(next_used_ - signalled_used_) < static_cast<uint16_t>(next_used_ - published_used_))
    signalled_valid_ = false;
  published_used_ = next_used_;
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

bool Virtqueue::should_notify() {
  if (!ready_) return false;
  if (!event_idx_) return !(mem_->load_le16(avail_) & kAvailNoInterrupt);
  // publish_used's full fence orders the used index before this read of used_event.
  const uint16_t used_event = mem_->load_le16(avail_ + 4 + 2ull * size_);
  const uint16_t old = signalled_used_, now = published_used_;
  const bool valid = signalled_valid_;
  signalled_used_ = now;
  signalled_valid_ = true;
  if (!valid) return true;
  // Interrupt when used_event lies in [old, now): the index stepped past it (virtio 2.7.10).
  return static_cast<uint16_t>(now - used_event - 1) < static_cast<uint16_t>(now - old);
}

}  // namespace ppc::vmm
