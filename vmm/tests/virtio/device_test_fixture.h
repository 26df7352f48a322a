#pragma once
// For device model tests: guest RAM whose queue 0 a driver set up (fake_driver_ring.h), a
// device activated on it, and the used-buffer interrupts the device raised.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "memory/guest_memory.h"
#include "virtio/device.h"
#include "virtio/fake_driver_ring.h"
#include "virtio/queue.h"

namespace ppc::vmm {

class DeviceTest : public ::testing::Test {
 public:
  static constexpr uint64_t kRam = 1 << 20;
  static constexpr uint16_t kQueueSize = 16;
  static constexpr uint64_t kBuffers = 0x10000;  // buffers from here on; the rings sit below

 protected:
  // Enables queue 0 as the driver laid it out and activates device on it.
  void activate(VirtioDevice& device) {
    ASSERT_TRUE(ring.enable(queues[0], kQueueSize));
    device.activate(queues, 0, [this](uint16_t queue) { interrupts.push_back(queue); });
  }

  uint16_t post_chain(uint16_t first, const std::vector<DriverBuffer>& buffers) const {
    return ring.post_chain(first, buffers, kQueueSize);
  }

  GuestMemory mem{kRam};
  std::vector<Virtqueue> queues{Virtqueue(mem)};
  FakeDriverRing ring{mem, 0x1000, 0x2000, 0x3000};
  std::vector<uint16_t> interrupts;  // the queue of each used-buffer interrupt, in order
};

}  // namespace ppc::vmm
