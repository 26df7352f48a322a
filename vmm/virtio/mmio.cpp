#include "virtio/mmio.h"

#include <linux/kvm.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstring>

#include "base/error.h"
#include "base/hex.h"
#include "log.h"

namespace ppc::vmm {
namespace {

// Register offsets (virtio 1.x, 4.2.2).
enum : uint64_t {
  kMagic = 0x000, kVersion = 0x004, kDeviceId = 0x008, kVendorId = 0x00c, kDeviceFeatures = 0x010,
  kDeviceFeaturesSel = 0x014, kDriverFeatures = 0x020, kDriverFeaturesSel = 0x024, kQueueSel = 0x030,
  kQueueNumMax = 0x034, kQueueNum = 0x038, kQueueReady = 0x044, kQueueNotify = 0x050,
  kInterruptStatus = 0x060, kInterruptAck = 0x064, kStatus = 0x070, kQueueDescLow = 0x080,
  kQueueDescHigh = 0x084, kQueueDriverLow = 0x090, kQueueDriverHigh = 0x094, kQueueDeviceLow = 0x0a0,
  kQueueDeviceHigh = 0x0a4, kShmSel = 0x0ac, kShmLenLow = 0x0b0, kShmLenHigh = 0x0b4, kShmBaseLow = 0x0b8,
  kShmBaseHigh = 0x0bc, kConfigGeneration = 0x0fc, kConfig = 0x100,
};
constexpr uint32_t kMagicValue = 0x74726976;  // "virt"
constexpr uint32_t kVendor = 0x4b505050;      // "PPPK": ours
constexpr uint32_t kStatusDriverOk = 4, kStatusFeaturesOk = 8, kStatusNeedsReset = 64, kStatusFailed = 128;
constexpr uint32_t kInterruptUsedBuffer = 1, kInterruptConfig = 2;

uint32_t load32(std::span<const uint8_t> d) {
  uint32_t v = 0;
  for (size_t i = 0; i < d.size() && i < 4; ++i) v |= static_cast<uint32_t>(d[i]) << (8 * i);
  return v;
}

void store32(std::span<uint8_t> d, uint32_t v) {
  for (size_t i = 0; i < d.size(); ++i) d[i] = i < 4 ? static_cast<uint8_t>(v >> (8 * i)) : 0;
}

void set_low(uint64_t& v, uint32_t low) { v = (v & ~0xffffffffull) | low; }
void set_high(uint64_t& v, uint32_t high) { v = (v & 0xffffffffull) | (static_cast<uint64_t>(high) << 32); }

// Adds one to an eventfd (an irqfd or a queue's kick). Its counter cannot overflow in practice
// and the fd is non-blocking: there is nothing to do about a failed write.
void signal_eventfd(const UniqueFd& fd) {
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(fd.get(), &one, sizeof one);
}

}  // namespace

MmioTransport::MmioTransport(const GuestMemory& mem, EventLoop& loop, std::unique_ptr<VirtioDevice> device, uint64_t base,
                             Interrupts irqs)
    : mem_(mem), loop_(loop), device_(std::move(device)), base_(base), irqs_(irqs),
      driver_faults_(device_->name() + " driver-fault", 16) {
  if (device_->queue_count() > kMaxQueues)
    throw Error(device_->name() + ": " + std::to_string(device_->queue_count()) + " queues, the transport has notify addresses for " +
                std::to_string(kMaxQueues));
  for (size_t i = 0; i < device_->queue_count(); ++i) queues_.emplace_back(mem_);
}

MmioTransport::~MmioTransport() {
  for (const auto& fd : notify_fds_) loop_.remove(fd.get());
}

void MmioTransport::connect(EventWiring& wiring) {
  used_irq_fd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  config_irq_fd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!used_irq_fd_.valid() || !config_irq_fd_.valid()) throw_errno("eventfd for " + device_->name() + " interrupts");
  wiring.register_irqfd(used_irq_fd_.get(), irqs_.used_buffers);
  wiring.register_irqfd(config_irq_fd_.get(), irqs_.config);
  const bool external = device_->external_queues();
  std::vector<int> kick_fds;
  for (uint16_t q = 0; q < queues_.size(); ++q) {
    UniqueFd fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!fd.valid()) throw_errno("eventfd for " + device_->name() + " queue " + std::to_string(q));
    // The guest's write of q to QueueNotify signals this eventfd inside KVM, without an exit to
    // us; so does any store to the queue's own notify address, which KVM need not even decode
    // (where KVM cannot, such a store reaches mmio_write).
    wiring.register_ioeventfd(base_ + kQueueNotify, 4, q, fd.get());
    wiring.register_address_ioeventfd(base_ + kNotifyOffset + kNotifyStride * q, fd.get());
    const int raw = fd.get();
    kick_fds.push_back(raw);
    if (!external) {
      loop_.add(raw, EPOLLIN, [this, raw, q](uint32_t) {
        uint64_t count;
        if (::read(raw, &count, sizeof count) != sizeof count) return;
        on_queue_notify(q);
      });
    }
    notify_fds_.push_back(std::move(fd));
  }
  // A driver unaware of the split interrupts reads InterruptStatus on a used-buffer interrupt
  // and writes 1 to InterruptAck. KVM absorbs that write (an ioeventfd no one reads), so such
  // an interrupt costs the vCPU one exit to us, not two. The driver therefore never clears the
  // used-buffer bit: InterruptStatus has it whenever the device is live (mmio_read). Our
  // guest's config handler acknowledges 2, which reaches us.
  ack_fd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!ack_fd_.valid()) throw_errno("eventfd for " + device_->name() + " interrupt acknowledgements");
  wiring.register_ioeventfd(base_ + kInterruptAck, 4, kInterruptUsedBuffer, ack_fd_.get());
  // Another process serves these queues: it waits on the eventfds itself.
  if (external) device_->connect_external_queues(mem_, kick_fds, used_irq_fd_.get());
}

uint64_t MmioTransport::offered_features() const {
  // Queues we serve ourselves suppress notifications by event index (Virtqueue); a backend
  // serving the queues decides that for itself, through its device's features.
  const uint64_t event_idx = device_->external_queues() ? 0 : Virtqueue::kFeatureEventIdx;
  return device_->features() | kVirtioFVersion1 | event_idx;
}

Virtqueue* MmioTransport::selected_queue() { return queue_sel_ < queues_.size() ? &queues_[queue_sel_] : nullptr; }

void MmioTransport::mmio_read(uint64_t offset, std::span<uint8_t> data) {
  if (offset >= kNotifyOffset) {  // the notify window is write-only
    store32(data, 0);
    return;
  }
  if (offset == kInterruptStatus) {
    // While the device is live any of its interrupts may be a used buffer (Linux then checks
    // every queue): the acknowledgement of that bit never reaches us (connect), and the backend
    // of external queues signals the irqfd without telling us. Read without the lock: the
    // interrupt handler must not wait for the loop thread, which holds it through a vhost-user
    // backend's (de)activation.
    store32(data, interrupt_status_ | (active_ ? kInterruptUsedBuffer : 0));
    return;
  }
  std::lock_guard lock(mu_);
  if (offset >= kConfig) {
    device_->read_config(offset - kConfig, data);
    return;
  }
  uint32_t v = 0;
  Virtqueue* q = selected_queue();
  switch (offset) {
    case kMagic: v = kMagicValue; break;
    case kVersion: v = 2; break;
    case kDeviceId: v = device_->device_id(); break;
    case kVendorId: v = kVendor; break;
    case kDeviceFeatures: {
      const uint64_t features = offered_features();
      v = device_features_sel_ == 0 ? static_cast<uint32_t>(features) : device_features_sel_ == 1 ? static_cast<uint32_t>(features >> 32) : 0;
      break;
    }
    case kQueueNumMax: v = q ? q->max_size() : 0; break;
    case kQueueReady: v = q && q->ready(); break;
    case kStatus: v = status_; break;
    case kConfigGeneration: v = config_generation_; break;
    // No device has shared memory regions: a length (and base) of all ones means "none" (4.2.2).
    case kShmLenLow: case kShmLenHigh: case kShmBaseLow: case kShmBaseHigh: v = 0xffffffff; break;
    default: break;  // write-only or reserved registers read as 0
  }
  store32(data, v);
}

void MmioTransport::mmio_write(uint64_t offset, std::span<const uint8_t> data) {
  if (offset >= kNotifyOffset) {
    // A store to a queue's notify address that its ioeventfd did not catch; its value is moot.
    if ((offset - kNotifyOffset) % kNotifyStride == 0) post_notify((offset - kNotifyOffset) / kNotifyStride);
    return;
  }
  std::unique_lock lock(mu_);
  if (offset >= kConfig) return;  // our devices' configuration spaces are read-only
  const uint32_t v = load32(data);
  Virtqueue* q = selected_queue();
  // Queue layout registers may change only while the queue is not live.
  const bool queue_writable = q && !q->ready() && !(status_ & kStatusDriverOk);
  switch (offset) {
    case kDeviceFeaturesSel: device_features_sel_ = v; break;
    case kDriverFeaturesSel: driver_features_sel_ = v; break;
    case kDriverFeatures:
      if (status_ & kStatusFeaturesOk) break;
      if (driver_features_sel_ == 0) set_low(driver_features_, v);
      else if (driver_features_sel_ == 1) set_high(driver_features_, v);
      break;
    case kQueueSel: queue_sel_ = v; break;
    case kQueueNum: if (queue_writable) q->set_size(static_cast<uint16_t>(v > 0xffff ? 0 : v)); break;
    case kQueueDescLow: if (queue_writable) { uint64_t a = q->desc_table(); set_low(a, v); q->set_desc_table(a); } break;
    case kQueueDescHigh: if (queue_writable) { uint64_t a = q->desc_table(); set_high(a, v); q->set_desc_table(a); } break;
    case kQueueDriverLow: if (queue_writable) { uint64_t a = q->avail_ring(); set_low(a, v); q->set_avail_ring(a); } break;
    case kQueueDriverHigh: if (queue_writable) { uint64_t a = q->avail_ring(); set_high(a, v); q->set_avail_ring(a); } break;
    case kQueueDeviceLow: if (queue_writable) { uint64_t a = q->used_ring(); set_low(a, v); q->set_used_ring(a); } break;
    case kQueueDeviceHigh: if (queue_writable) { uint64_t a = q->used_ring(); set_high(a, v); q->set_used_ring(a); } break;
    case kQueueReady:
      if (!q) break;
      // Live queues belong to the loop thread: it flips them while this vCPU waits.
      lock.unlock();
      on_loop([this, q, v, sel = queue_sel_] {
        // Another vCPU may be writing this queue's layout registers meanwhile: check and
        // enable under the same lock, so that the ring checked is the ring used.
        std::lock_guard relock(mu_);
        if (v == 1 && !q->ready() && !q->enable())
          driver_faults_.line(device_->name() + " queue " + std::to_string(sel) + ": driver set up an invalid ring (size " +
                   std::to_string(q->size()) + ", desc " + hex(q->desc_table()) + ", avail " + hex(q->avail_ring()) +
                   ", used " + hex(q->used_ring()) + ")");
        if (v == 0 && q->ready()) q->reset();
      });
      break;
    case kQueueNotify: post_notify(v); break;
    case kInterruptAck: interrupt_status_ &= ~v; break;
    case kShmSel: break;  // there are no regions to select
    case kStatus:
      lock.unlock();
      on_loop([this, v] { set_status(v); });
      break;
    default: break;
  }
}

void MmioTransport::on_loop(const std::function<void()>& fn) {
  if (loop_.on_loop_thread()) fn();
  else loop_.run_and_wait(fn);
}

void MmioTransport::set_status(uint32_t status) {
  // Loop thread. A reset is complete when the driver's write returns (the vCPU waits).
  std::lock_guard lock(mu_);
  if (status == 0) {
    reset_locked();
    return;
  }
  if ((status & kStatusFeaturesOk) && !(status_ & kStatusFeaturesOk)) {
    // Accept only features we offered, and only the virtio 1.x interface.
    const uint64_t offered = offered_features();
    if ((driver_features_ & ~offered) || !(driver_features_ & kVirtioFVersion1)) status &= ~kStatusFeaturesOk;
  }
  const bool becomes_ok = (status & kStatusDriverOk) && !(status_ & kStatusDriverOk);
  status_ = (status_ & kStatusNeedsReset) | status;
  // A device that needs a reset stays stopped until it gets one (virtio 2.1.2).
  if (becomes_ok && (status_ & kStatusFeaturesOk) && !(status_ & (kStatusFailed | kStatusNeedsReset))) {
    active_ = true;
    if (!device_->external_queues())
      for (auto& q : queues_) q.set_event_idx(driver_features_ & Virtqueue::kFeatureEventIdx);
    device_->activate(queues_, driver_features_, [this](uint16_t q) { notify_used(q); });
  }
}

void MmioTransport::reset_locked() {
  if (active_) device_->reset();
  active_ = false;
  for (auto& q : queues_) {
    q.reset();
    q.set_event_idx(false);
  }
  status_ = 0;
  driver_features_ = 0;
  device_features_sel_ = driver_features_sel_ = queue_sel_ = 0;
  interrupt_status_ = 0;
}

std::string MmioTransport::why_not_saveable() {
  const std::string rule = device_->saved_only_unused();
  if (rule.empty()) return {};
  const std::lock_guard lock(mu_);  // a vCPU may be setting a queue up
  for (size_t q = 0; q < queues_.size(); ++q) {
    // Both indices: the available one alone is back at 0 after 65,536 buffers.
    const uint16_t made_available = queues_[q].available_index(), used = queues_[q].used_index_in_ring();
    if (made_available != 0 || used != 0) {
      return "the guest has used it (queue " + std::to_string(q) + ": available index " + std::to_string(made_available) +
             ", used index " + std::to_string(used) + "): " + rule;
    }
  }
  return {};
}

void MmioTransport::before_save() {
  if (const std::string why = why_not_saveable(); !why.empty()) throw Error(why);
  if (active_) device_->before_save();
}

TransportState MmioTransport::state() const {
  TransportState t{status_, device_features_sel_, driver_features_sel_, queue_sel_, driver_features_, config_generation_,
                   interrupt_status_, active_, {}};
  for (const Virtqueue& q : queues_) t.queues.push_back(q.state());
  return t;
}

void MmioTransport::restore(const TransportState& t) {
  if (t.queues.size() != queues_.size()) {
    throw Error(std::to_string(t.queues.size()) + " queues saved, the device has " + std::to_string(queues_.size()));
  }
  for (size_t i = 0; i < queues_.size(); ++i) {
    with_context("queue " + std::to_string(i), [&] { queues_[i].restore(t.queues[i]); });
  }
  status_ = t.status;
  device_features_sel_ = t.device_features_sel;
  driver_features_sel_ = t.driver_features_sel;
  queue_sel_ = t.queue_sel;
  driver_features_ = t.driver_features;
  config_generation_ = t.config_generation;
  interrupt_status_ = t.interrupt_status;
  active_ = t.active;
}

void MmioTransport::reactivate() {
  if (interrupt_status_ & kInterruptConfig) signal_eventfd(config_irq_fd_);  // a NEEDS_RESET may be unseen
  if (!active_) return;
  device_->activate(queues_, driver_features_, [this](uint16_t q) { notify_used(q); });
  try {
    device_->after_restore();
  } catch (const QueueError& e) {
    needs_reset(e.what());
    return;
  }
  for (uint16_t q = 0; q < queues_.size(); ++q) on_queue_notify(q);
  signal_eventfd(used_irq_fd_);
}

void MmioTransport::notify_used(uint16_t queue) {
  // Loop thread: the device finished with buffers of this queue.
  if (queue >= queues_.size() || !queues_[queue].should_notify()) return;
  signal_eventfd(used_irq_fd_);
}

void MmioTransport::post_notify(uint64_t queue) {
  // Normally caught by an ioeventfd inside KVM; a notify that still reaches us (vCPU thread)
  // goes to the loop. At most one per queue waits on the loop, however often the guest
  // writes: the loop's work queue cannot grow with a storm of them.
  if (queue >= queues_.size()) return;  // at most kMaxQueues, the bits of notifies_posted_
  const uint64_t bit = uint64_t{1} << queue;
  if (notifies_posted_.fetch_or(bit) & bit) return;
  loop_.post([this, bit, queue] {
    // Cleared first: a notify arriving while the queue is processed posts again.
    notifies_posted_.fetch_and(~bit);
    on_queue_notify(static_cast<uint16_t>(queue));
  });
}

void MmioTransport::on_queue_notify(uint16_t queue) {
  // Loop thread; the queues and the device are the loop's.
  if (!active_) return;
  if (device_->external_queues()) {
    // A notification that missed the ioeventfd: pass it on to the process serving the queue.
    signal_eventfd(notify_fds_[queue]);
    return;
  }
  try {
    device_->queue_notify(queue);
  } catch (const QueueError& e) {
    needs_reset(e.what());
  }
}

void MmioTransport::needs_reset(const std::string& why) {
  // A malformed queue: the device stops until the driver resets it (virtio 2.1.2).
  driver_faults_.line(device_->name() + ": " + why + ": device needs reset");
  device_->reset();
  active_ = false;
  std::lock_guard lock(mu_);
  status_ |= kStatusNeedsReset;
  interrupt_status_ |= kInterruptConfig;
  // Both interrupts: a driver unaware of the split finds the config bit through the first
  // (ours finds no used buffer there and counts it unhandled: rare, and harmless).
  signal_eventfd(config_irq_fd_);
  signal_eventfd(used_irq_fd_);
}

}  // namespace ppc::vmm
