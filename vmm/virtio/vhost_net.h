#pragma once
// virtio-net whose frames the host kernel's vhost-net moves (--net ...,vhost=on): the VMM
// presents the device (features, configuration space, queue set-up through the transport);
// a kernel thread bound to the VMM reads the rings, moves frames between them and the tap,
// takes the driver's notifications from the transport's ioeventfds and raises the used-buffer
// interrupt through its irqfd. A frame then costs the VMM no wake-up and no system call. The
// guest sees the same device as with NetDevice (net_config.h), plus INDIRECT_DESC and
// EVENT_IDX where the kernel has them.
//
// Why an option and not the default: the rings a hostile guest writes are then parsed by host
// kernel code, outside the VMM's jail and seccomp filters (Firecracker declines vhost for that
// reason); NetDevice keeps that parsing in the confined process.
//
// A failed vhost request at activation is logged (bounded: the guest decides how often); the
// device then moves no frame until the driver resets it, and the VMM carries on.
#include <array>
#include <memory>
#include <string>

#include "log.h"
#include "virtio/device.h"
#include "virtio/net_config.h"
#include "virtio/tap.h"
#include "virtio/vhost_net_kernel.h"

namespace ppc::vmm {

class VhostNetDevice final : public VirtioDevice {
 public:
  // mtu as for NetDevice. Throws Error when the kernel's vhost-net lacks what the device
  // needs (VERSION_1, mergeable receive buffers).
  VhostNetDevice(std::unique_ptr<TapBackend> tap, std::unique_ptr<KernelVhostNet> vhost, net::Mac mac, uint16_t mtu);

  std::string name() const override { return "net"; }
  uint32_t device_id() const override { return 1; }
  uint64_t features() const override;
  size_t queue_count() const override { return 2; }
  void read_config(uint64_t offset, std::span<uint8_t> out) const override;

  bool external_queues() const override { return true; }
  // The kernel thread shares our address space: guest RAM stays private.
  bool needs_shared_ram() const override { return false; }
  // Binds vhost-net to this process and guest RAM, and gives it each queue's notification
  // eventfd and the interrupt's irqfd. Throws Error.
  void connect_external_queues(const GuestMemory& mem, std::span<const int> kick_fds, int call_fd) override;
  // The acked ring features, the tap's offloads, then each ready queue's ring, and the tap.
  void activate(std::vector<Virtqueue>& queues, uint64_t driver_features,
                std::function<void(uint16_t queue)> notify_used) override;
  void queue_notify(uint16_t) override {}  // the kernel takes the kicks itself
  // Detaches the tap from each started queue: the kernel stops reading them.
  void reset() override;
  // The kernel's rings and the tap are this host's; a restored guest gets new ones.
  std::string saved_only_unused() const override {
    return "its rings are the host kernel's vhost-net's (save before the interface is up)";
  }

 private:
  void start_queue(uint16_t index, const Virtqueue& queue);
  void fail(const std::string& why);

  std::unique_ptr<TapBackend> tap_;
  std::unique_ptr<KernelVhostNet> vhost_;
  const net::Mac mac_;
  const uint16_t mtu_;
  uint64_t kernel_features_ = 0;
  const GuestMemory* mem_ = nullptr;
  std::array<bool, 2> started_{};  // the queue has the tap attached
  LimitedLog activations_{"virtio-net activation", 4};
  LimitedLog faults_{"virtio-net vhost fault", 8};  // the guest decides how often: bounded
};

}  // namespace ppc::vmm
