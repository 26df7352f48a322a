#pragma once
// The virtio-mmio transport (virtio 1.x, register layout version 2) for one device: its
// registers (reached through KVM_EXIT_MMIO on vCPU threads), feature negotiation, queue
// set-up, notifications through ioeventfd and interrupts through irqfd, both handled on the
// event-loop thread. For a device whose queues another process serves (external_queues()),
// the notification eventfds go to that process instead, and the device calls notify_used
// when it signals completions.
#include <atomic>
#include <functional>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "base/unique_fd.h"
#include "bus/event_wiring.h"
#include "bus/mmio_bus.h"
#include "event_loop.h"
#include "log.h"
#include "snapshot/device_state.h"
#include "virtio/device.h"

namespace ppc::vmm {

class MmioTransport final : public MmioHandler {
 public:
  // The window: the registers, then the notify window (the device tree node's second "reg"
  // entry, kernel/patches/guest/0005). Queue q is notified by a store at kNotifyOffset +
  // kNotifyStride * q, an address of its own: KVM need not decode the store to learn which
  // queue it means, as it must for the one QueueNotify register.
  static constexpr uint64_t kRegistersSize = 0x200;
  static constexpr uint64_t kNotifyOffset = kRegistersSize;
  static constexpr uint64_t kNotifyStride = 4;
  static constexpr size_t kMaxQueues = 64;
  static constexpr uint64_t kNotifySize = kNotifyStride * kMaxQueues;
  static constexpr uint64_t kWindowSize = kNotifyOffset + kNotifySize;

  // The device's two interrupt sources (XICS numbers). A used-buffer interrupt needs no
  // register access from a guest that knows the split (kernel/patches/guest/0002); one that
  // does not listens only on used_buffers and reads InterruptStatus there, as usual.
  struct Interrupts {
    uint32_t used_buffers;
    uint32_t config;
  };

  // base: the register window's guest physical address.
  MmioTransport(const GuestMemory& mem, EventLoop& loop, std::unique_ptr<VirtioDevice> device, uint64_t base,
                Interrupts irqs);
  ~MmioTransport();

  // Wires the queue notifications (ioeventfd) and the interrupts (irqfd) into the hypervisor;
  // hands the notifications of external queues to the device (which may throw Error).
  void connect(EventWiring& wiring);

  uint64_t base() const { return base_; }
  Interrupts irqs() const { return irqs_; }
  const VirtioDevice& device() const { return *device_; }

  // Why the device cannot be saved now: a device saved_only_unused() whose driver has made a
  // buffer available (or whose backend used one); empty when it can. Any thread.
  std::string why_not_saveable();
  // The registers and queues of a stopped machine (no vCPU or loop thread runs), for a
  // snapshot: before_save() first, which lets a live device give back what it holds, and
  // throws Error(why_not_saveable()) for one that cannot be saved.
  void before_save();
  TransportState state() const;
  // A snapshot's registers and queues, put back before any thread runs (after the interrupt
  // sources). Error naming what does not fit this device.
  void restore(const TransportState& state);
  // Then, on the loop thread before the guest runs: a device that was live is activated again,
  // tells the driver what changed (after_restore) and is served as if the driver had just
  // notified every queue and its interrupt had been raised, so that a notification or
  // interrupt in flight when the machine stopped is not lost (a spurious one is harmless).
  void reactivate();

  // A guest access at offset inside the window (vCPU thread, through the MmioBus).
  // Little-endian data.
  void mmio_read(uint64_t offset, std::span<uint8_t> data) override;
  void mmio_write(uint64_t offset, std::span<const uint8_t> data) override;

 private:
  uint64_t offered_features() const;  // the device's, VERSION_1, and what the transport adds
  Virtqueue* selected_queue();
  void set_status(uint32_t status);
  void on_loop(const std::function<void()>& fn);
  void notify_used(uint16_t queue);
  void post_notify(uint64_t queue);
  void on_queue_notify(uint16_t queue);
  void needs_reset(const std::string& why);
  void reset_locked();

  const GuestMemory& mem_;
  EventLoop& loop_;
  std::unique_ptr<VirtioDevice> device_;
  uint64_t base_;
  Interrupts irqs_;

  // Registers, between vCPU threads (MMIO exits) and the loop thread. Live queues and the
  // device itself are touched only on the loop thread.
  std::mutex mu_;
  std::vector<Virtqueue> queues_;
  uint32_t status_ = 0;
  uint32_t device_features_sel_ = 0, driver_features_sel_ = 0, queue_sel_ = 0;
  uint64_t driver_features_ = 0;
  uint32_t config_generation_ = 0;
  std::atomic<bool> active_{false};  // activated (DRIVER_OK) and not reset since
  std::atomic<uint32_t> interrupt_status_{0};
  std::atomic<uint64_t> notifies_posted_{0};  // bit q: a QUEUE_NOTIFY of queue q waits on the loop

  LimitedLog driver_faults_;          // the guest decides how often: bounded
  std::vector<UniqueFd> notify_fds_;  // one ioeventfd per queue
  UniqueFd used_irq_fd_;
  UniqueFd config_irq_fd_;
  UniqueFd ack_fd_;  // absorbs the driver's used-buffer acknowledgements inside KVM
};

}  // namespace ppc::vmm
