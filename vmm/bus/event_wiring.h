#pragma once
// How a device's queue notifications and interrupts bypass the vCPU threads: KVM's
// ioeventfd (a guest store to an address signals an eventfd inside the kernel) and irqfd
// (an eventfd write raises an interrupt source). The KVM VM implements it; tests use fakes.
#include <cstdint>

namespace ppc::vmm {

class EventWiring {
 public:
  virtual ~EventWiring() = default;
  // A write to eventfd `fd` raises interrupt source gsi (XICS source number).
  virtual void register_irqfd(int fd, uint32_t gsi) = 0;
  // A guest store of `datamatch` (len bytes) to guest physical addr signals eventfd `fd`.
  virtual void register_ioeventfd(uint64_t addr, uint32_t len, uint64_t datamatch, int fd) = 0;
  // Any guest store to guest physical addr, whatever its width and value, signals eventfd `fd`.
  // KVM then need not decode the store: on POWER it skips fetching the guest's instruction
  // (its fast MMIO bus). Where the hypervisor cannot, nothing is registered: such stores then
  // reach the VMM.
  virtual void register_address_ioeventfd(uint64_t addr, int fd) = 0;
};

}  // namespace ppc::vmm
