#pragma once
// The guest's MMIO address space: devices register the windows they answer, and a vCPU's
// MMIO exit is routed to the one window that holds the whole access. An access that no
// window holds reads as all-ones (an unclaimed bus) and its writes are dropped.
#include <cstdint>
#include <map>
#include <span>
#include <string>

namespace ppc::vmm {

// A device's register window. Offsets are relative to the window's base; data is the
// guest's bytes as the access carried them (little-endian for virtio-mmio).
class MmioHandler {
 public:
  virtual ~MmioHandler() = default;
  virtual void mmio_read(uint64_t offset, std::span<uint8_t> data) = 0;
  virtual void mmio_write(uint64_t offset, std::span<const uint8_t> data) = 0;
};

class MmioBus {
 public:
  // Registers [base, base + size) for handler (not owned; it must outlive the bus's use).
  // Throws Error naming both windows when it overlaps one, or when it is empty or wraps.
  void add(uint64_t base, uint64_t size, MmioHandler& handler, std::string name);

  // Routes a guest access. false: no window holds all of [addr, addr + data.size()); a read
  // then leaves data all-ones.
  bool read(uint64_t addr, std::span<uint8_t> data) const;
  bool write(uint64_t addr, std::span<const uint8_t> data) const;

 private:
  struct Window {
    uint64_t size;
    MmioHandler* handler;
    std::string name;
  };
  // The window holding [addr, addr + len), with addr's offset in it; nullptr when none.
  const Window* find(uint64_t addr, uint64_t len, uint64_t& offset) const;

  std::map<uint64_t, Window> windows_;  // by base
};

}  // namespace ppc::vmm
