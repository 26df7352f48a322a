#pragma once
// Where things go in guest RAM at boot: the kernel at 0, the initramfs after it, the device
// tree and the RTAS blob at the top of the real-mode area (which a hash guest can reach with
// translation off).
#include <cstdint>

namespace ppc::vmm {

struct BootLayout {
  uint64_t initrd_gpa;
  uint64_t fdt_gpa;
  uint64_t rtas_gpa;
};

// The virtio-mmio register windows, above any RAM we accept, one per device, each with two
// XICS interrupt sources of its own: used buffers at kVirtioFirstIrq + 2 * index, config
// changes right after.
constexpr uint64_t kVirtioMmioBase = 0x10000000000ull;  // 1 TiB
constexpr uint64_t kVirtioMmioStride = 0x1000;
constexpr uint32_t kVirtioFirstIrq = 0x1000;
constexpr uint32_t kVirtioIrqsPerDevice = 2;

constexpr uint64_t kRealModeAreaLimit = 1ull << 30;
constexpr uint64_t kBootAlign = 64 * 1024;  // the guest's page size
constexpr uint64_t kRtasArea = 64 * 1024;

// Throws ConfigError "memory ... too small for kernel ... + initramfs ... + device tree ..."
// when they do not fit.
BootLayout plan_boot_layout(uint64_t ram_size, uint64_t kernel_end, uint64_t initrd_size, uint64_t fdt_size);

}  // namespace ppc::vmm
