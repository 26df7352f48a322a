#pragma once
// virtio-rng: fills the guest's buffers from the host's getrandom(), so the guest never
// waits for entropy.
#include "virtio/device.h"

namespace ppc::vmm {

class RngDevice final : public VirtioDevice {
 public:
  std::string name() const override { return "rng"; }
  uint32_t device_id() const override { return 4; }
  uint64_t features() const override { return 0; }
  size_t queue_count() const override { return 1; }
  void read_config(uint64_t, std::span<uint8_t> out) const override;
  void activate(std::vector<Virtqueue>& queues, uint64_t, std::function<void(uint16_t)> notify_used) override;
  void queue_notify(uint16_t queue) override;
  void reset() override;

 private:
  Virtqueue* queue_ = nullptr;
  std::function<void(uint16_t)> notify_used_;
};

}  // namespace ppc::vmm
