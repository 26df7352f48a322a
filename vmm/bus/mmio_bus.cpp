#include "bus/mmio_bus.h"

#include <cstring>

#include "base/error.h"
#include "base/hex.h"

namespace ppc::vmm {

void MmioBus::add(uint64_t base, uint64_t size, MmioHandler& handler, std::string name) {
  if (size == 0 || base + size < base) throw Error("MMIO window " + name + " at " + hex(base) + ": empty or wraps around");
  // The window starting at or below base, and the one after it, are the only ones that can overlap.
  auto next = windows_.lower_bound(base);
  if (next != windows_.end() && next->first < base + size)
    throw Error("MMIO window " + name + " at " + hex(base) + " overlaps " + next->second.name + " at " + hex(next->first));
  if (next != windows_.begin()) {
    const auto prev = std::prev(next);
    if (prev->first + prev->second.size > base)
      throw Error("MMIO window " + name + " at " + hex(base) + " overlaps " + prev->second.name + " at " + hex(prev->first));
  }
  windows_.emplace(base, Window{size, &handler, std::move(name)});
}

const MmioBus::Window* MmioBus::find(uint64_t addr, uint64_t len, uint64_t& offset) const {
  auto it = windows_.upper_bound(addr);
  if (it == windows_.begin()) return nullptr;
  --it;
  offset = addr - it->first;
  // offset < size and len <= size - offset: no overflow whatever the guest passed.
  if (offset >= it->second.size || len > it->second.size - offset) return nullptr;
  return &it->second;
}

bool MmioBus::read(uint64_t addr, std::span<uint8_t> data) const {
  uint64_t offset = 0;
  const Window* w = find(addr, data.size(), offset);
  if (!w) {
    std::memset(data.data(), 0xff, data.size());
    return false;
  }
  w->handler->mmio_read(offset, data);
  return true;
}

bool MmioBus::write(uint64_t addr, std::span<const uint8_t> data) const {
  uint64_t offset = 0;
  const Window* w = find(addr, data.size(), offset);
  if (!w) return false;
  w->handler->mmio_write(offset, data);
  return true;
}

}  // namespace ppc::vmm
