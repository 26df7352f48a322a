#include "virtio/vhost_net.h"

#include "base/error.h"
#include "virtio/net_header.h"
#include "virtio/vhost_abi.h"

namespace ppc::vmm {
namespace {

// What the kernel is told of the acked features: only what it serves (it refuses the rest).
// The tap, not vhost, carries the virtio-net header: VHOST_NET_F_VIRTIO_NET_HDR stays unset.
constexpr uint64_t kKernelServes = kVirtioFVersion1 | net::kFeatureMrgRxbuf | kVirtioFRingFeatures;

}  // namespace

VhostNetDevice::VhostNetDevice(std::unique_ptr<TapBackend> tap, std::unique_ptr<KernelVhostNet> vhost, net::Mac mac,
                               uint16_t mtu)
    : tap_(std::move(tap)), vhost_(std::move(vhost)), mac_(mac), mtu_(mtu) {
  kernel_features_ = vhost_->features();
  if (!(kernel_features_ & kVirtioFVersion1)) throw Error(std::string(KernelVhostNet::kDevice) + " lacks VIRTIO_F_VERSION_1");
  // Without it the guest's TSO needs buffers of 64 KiB and more (net_config.cpp).
  if (!(kernel_features_ & net::kFeatureMrgRxbuf))
    throw Error(std::string(KernelVhostNet::kDevice) + " lacks mergeable receive buffers");
}

uint64_t VhostNetDevice::features() const { return net::offered_features(mtu_) | (kernel_features_ & kVirtioFRingFeatures); }

void VhostNetDevice::read_config(uint64_t offset, std::span<uint8_t> out) const {
  net::read_config(mac_, mtu_, offset, out);
}

void VhostNetDevice::connect_external_queues(const GuestMemory& mem, std::span<const int> kick_fds, int call_fd) {
  if (kick_fds.size() != started_.size())
    throw Error("virtio-net: " + std::to_string(kick_fds.size()) + " queue notifiers, not 2");
  if (call_fd < 0) throw Error("virtio-net: no interrupt eventfd to hand to vhost-net");
  with_context("virtio-net " + tap_->name() + " (vhost-net)", [&] {
    vhost_->set_owner();
    vhost_->set_mem_table(mem.size(), mem.host_base());
    for (unsigned q = 0; q < kick_fds.size(); ++q) {
      vhost_->set_vring_kick(q, kick_fds[q]);
      vhost_->set_vring_call(q, call_fd);
    }
  });
  mem_ = &mem;
}

void VhostNetDevice::activate(std::vector<Virtqueue>& queues, uint64_t driver_features, std::function<void(uint16_t)>) {
  if (!mem_) return;
  // A driver may set DRIVER_OK again without a reset in between: queues still attached would
  // refuse their new rings (EBUSY).
  reset();
  const unsigned offloads = net::tap_offloads(driver_features);
  try {
    vhost_->set_features(driver_features & kernel_features_ & kKernelServes);
    // The tap may still hand over what an earlier driver acked: it must not reach this one.
    tap_->set_offloads(offloads);
    for (uint16_t q = 0; q < started_.size() && q < queues.size(); ++q)
      if (queues[q].ready()) start_queue(q, queues[q]);
  } catch (const Error& e) {
    return fail(e.what());
  }
  activations_.line(net::describe_activation(tap_->name() + " (vhost-net)", offloads, driver_features));
}

void VhostNetDevice::start_queue(uint16_t index, const Virtqueue& queue) {
  // The transport checked that the rings lie in RAM; the kernel gets them as our addresses.
  const uint64_t size = queue.size();
  vhost_->set_vring_num(index, queue.size());
  vhost_->set_vring_base(index, 0);
  vhost_->set_vring_addr(index, mem_->slice(queue.desc_table(), 16 * size).data(),
                         mem_->slice(queue.avail_ring(), 6 + 2 * size).data(),
                         mem_->slice(queue.used_ring(), 6 + 8 * size).data());
  started_[index] = true;  // before the attach: detaching a queue that never got the tap is harmless
  vhost_->set_backend(index, tap_->fd());
}

void VhostNetDevice::reset() {
  for (uint16_t q = 0; q < started_.size(); ++q) {
    if (!started_[q]) continue;
    started_[q] = false;
    try {
      vhost_->set_backend(q, -1);
    } catch (const Error& e) {
      faults_.line("virtio-net " + tap_->name() + " (vhost-net): stopping queue " + std::to_string(q) + ": " + e.what());
    }
  }
}

void VhostNetDevice::fail(const std::string& why) {
  faults_.line("virtio-net " + tap_->name() + " (vhost-net): " + why + "; no frame moves until the driver resets the device");
  reset();
}

}  // namespace ppc::vmm
