#pragma once
// What a virtio device model implements; the virtio-mmio transport (mmio.h) does the rest:
// registers, feature negotiation, queue set-up, notifications (ioeventfd) and interrupts
// (irqfd). Every method but the constants runs on the event-loop thread.
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "memory/guest_memory.h"
#include "virtio/queue.h"

namespace ppc::vmm {

constexpr uint64_t kVirtioFVersion1 = 1ull << 32;
// The ring features a backend serving the queues itself may offer (vhost-user, vhost-net).
constexpr uint64_t kVirtioFRingIndirectDesc = 1ull << 28;
constexpr uint64_t kVirtioFRingFeatures = kVirtioFRingIndirectDesc | Virtqueue::kFeatureEventIdx;

class VirtioDevice {
 public:
  virtual ~VirtioDevice() = default;

  virtual std::string name() const = 0;   // for messages: "vsock", "blk", "rng"
  virtual uint32_t device_id() const = 0;  // virtio device ID (vsock 19, blk 2, rng 4)
  virtual uint64_t features() const = 0;   // device features; the transport adds VERSION_1
  virtual size_t queue_count() const = 0;
  // Device configuration space (little-endian), read at offset; bytes past its end read 0.
  virtual void read_config(uint64_t offset, std::span<uint8_t> out) const = 0;

  // The driver set DRIVER_OK: queues are ready. notify_used(q) raises the device's interrupt
  // for queue q unless the driver suppressed it (NO_INTERRUPT, or used_event with EVENT_IDX).
  virtual void activate(std::vector<Virtqueue>& queues, uint64_t driver_features,
                        std::function<void(uint16_t queue)> notify_used) = 0;
  // The driver notified queue q (through its ioeventfd). A QueueError escaping from here
  // puts the device into NEEDS_RESET.
  virtual void queue_notify(uint16_t queue) = 0;
  // Back to the initial state (driver wrote 0 to Status, or NEEDS_RESET): drop all guest
  // references and host connections tied to this activation.
  virtual void reset() = 0;

  // Before a save, with the loop stopped, on a live device: gives the driver back what the
  // device took from its queues and still holds, so that the saved queues are all of it.
  virtual void before_save() {}
  // After a restore, on the loop thread once live again and before the guest runs: tells the
  // driver what is new on the host side (vsock: its connections are gone). A QueueError puts
  // the device into NEEDS_RESET, as from queue_notify.
  virtual void after_restore() {}
  // A device whose state lives outside the VMM (a backend's session, a tap) can be saved only
  // while the driver has made no buffer available on any queue: a restored one then starts
  // on its new backend as a new device does. Returns what the guest would lose otherwise (for
  // the refusal), or an empty string for a device whose rings are all of its state.
  virtual std::string saved_only_unused() const { return {}; }

  // A device whose queues something else serves (a vhost-user backend, the kernel's
  // vhost-net). The transport does not watch the queues' notification eventfds itself: it
  // hands them over here, once, before the guest runs (kick_fds[q] is
  // signalled when the driver notifies queue q), and queue_notify is never called. call_fd is
  // the device's interrupt (the irqfd): the backend signals it itself, so a completion reaches
  // the guest without waking the VMM, and the transport then reads every interrupt of the
  // device as a used-buffer one. Throws Error when the device cannot work.
  virtual bool external_queues() const { return false; }
  virtual void connect_external_queues(const GuestMemory&, std::span<const int> /*kick_fds*/, int /*call_fd*/) {}
  // Whether the process serving the queues maps guest RAM itself (it must then be a memfd);
  // not so for a kernel thread that works in our address space (vhost-net).
  virtual bool needs_shared_ram() const { return external_queues(); }
};

}  // namespace ppc::vmm
