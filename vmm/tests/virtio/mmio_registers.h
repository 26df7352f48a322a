#pragma once
// The virtio-mmio register layout (virtio 1.x, 4.2.2), written down independently of
// vmm/virtio/mmio.cpp for the tests and the fuzzer that drive it.
#include <cstdint>

namespace ppc::vmm::test_mmio {

enum : uint64_t {
  kMagic = 0x000, kVersion = 0x004, kDeviceId = 0x008, kVendorId = 0x00c, kDeviceFeatures = 0x010,
  kDeviceFeaturesSel = 0x014, kDriverFeatures = 0x020, kDriverFeaturesSel = 0x024, kQueueSel = 0x030,
  kQueueNumMax = 0x034, kQueueNum = 0x038, kQueueReady = 0x044, kQueueNotify = 0x050,
  kInterruptStatus = 0x060, kInterruptAck = 0x064, kStatus = 0x070, kQueueDescLow = 0x080,
  kQueueDescHigh = 0x084, kQueueDriverLow = 0x090, kQueueDriverHigh = 0x094, kQueueDeviceLow = 0x0a0,
  kQueueDeviceHigh = 0x0a4, kShmSel = 0x0ac, kShmLenLow = 0x0b0, kShmLenHigh = 0x0b4, kShmBaseLow = 0x0b8,
  kShmBaseHigh = 0x0bc, kConfigGeneration = 0x0fc, kConfig = 0x100,
};

// Ours, past the registers: the notify window, where queue q has the 4-byte address
// kNotifyWindow + 4 * q, for up to 64 queues (kernel/patches/guest/0005).
enum : uint64_t { kNotifyWindow = 0x200, kNotifyWindowEnd = 0x300 };

}  // namespace ppc::vmm::test_mmio
