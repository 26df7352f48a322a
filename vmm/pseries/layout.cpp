#include "pseries/layout.h"

#include <algorithm>

#include "base/hex.h"
#include "config_error.h"

namespace ppc::vmm {
namespace {
uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }
uint64_t align_down(uint64_t v, uint64_t a) { return v / a * a; }
}  // namespace

BootLayout plan_boot_layout(uint64_t ram_size, uint64_t kernel_end, uint64_t initrd_size, uint64_t fdt_size) {
  const uint64_t top = std::min(ram_size, kRealModeAreaLimit);
  const auto too_small = [&] {
    return ConfigError("memory " + hex(ram_size) + " is too small for the kernel (ends at " + hex(kernel_end) +
                       ") + initramfs (" + hex(initrd_size) + " bytes) + device tree (" + hex(fdt_size) +
                       " bytes) + RTAS below " + hex(top));
  };
  if (fdt_size > top || top - fdt_size < kRtasArea + kBootAlign) throw too_small();
  BootLayout layout{};
  layout.rtas_gpa = top - kRtasArea;
  layout.fdt_gpa = align_down(layout.rtas_gpa - fdt_size, kBootAlign);
  layout.initrd_gpa = align_up(kernel_end, kBootAlign);
  if (kernel_end > layout.fdt_gpa || initrd_size > layout.fdt_gpa - layout.initrd_gpa) throw too_small();
  return layout;
}

}  // namespace ppc::vmm
