#pragma once
// virtio-blk over a raw image file: read, write (unless read-only), flush, get-id. Requests
// run synchronously on the event-loop thread.
#include <string>

#include "base/unique_fd.h"
#include "virtio/device.h"

namespace ppc::vmm {

class BlkDevice final : public VirtioDevice {
 public:
  // Opens path (read-only when read_only); throws an Error naming the file.
  BlkDevice(const std::string& path, bool read_only);

  std::string name() const override { return "blk"; }
  uint32_t device_id() const override { return 2; }
  uint64_t features() const override;
  size_t queue_count() const override { return 1; }
  void read_config(uint64_t offset, std::span<uint8_t> out) const override;
  void activate(std::vector<Virtqueue>& queues, uint64_t, std::function<void(uint16_t)> notify_used) override;
  void queue_notify(uint16_t queue) override;
  void reset() override;

  uint64_t sectors() const { return sectors_; }

 private:
  uint8_t handle(const DescriptorChain& chain, uint32_t& written);

  std::string path_;
  UniqueFd fd_;
  bool read_only_;
  uint64_t sectors_ = 0;
  Virtqueue* queue_ = nullptr;
  std::function<void(uint16_t)> notify_used_;
};

}  // namespace ppc::vmm
