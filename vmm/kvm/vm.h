#pragma once
// One KVM virtual machine: its type (KVM-HV or KVM-PR), memory slots and vCPU creation.
#include <cstdint>
#include <linux/kvm.h>

#include <optional>
#include <string>
#include <string_view>

#include "base/unique_fd.h"
#include "bus/event_wiring.h"
#include "kvm/kvm_system.h"
#include "kvm/vcpu.h"

namespace ppc::vmm {

// KVM_CREATE_VM's machine type on Book3S: 0 lets the kernel pick (HV when usable, else PR).
enum class VmType { Auto = 0, Hv = 1, Pr = 2 };

std::string_view vm_type_name(VmType type);
// "auto", "hv" or "pr"; nullopt for anything else.
std::optional<VmType> parse_vm_type(std::string_view text);

class Vm final : public EventWiring {
 public:
  // Fails with a message naming the type when the host's KVM cannot create it
  // (kvm-pr or kvm-hv not loaded, or not supported by this processor).
  static Vm create(const KvmSystem& kvm, VmType type);

  int fd() const { return fd_.get(); }
  VmType requested_type() const { return type_; }
  // KVM_CHECK_EXTENSION on the VM fd: the answer for this VM's flavour.
  int check_extension(long capability) const;
  void enable_cap(uint32_t capability, uint64_t arg0 = 0);
  // Maps host memory [host, host + size) at guest physical gpa in the given slot.
  void set_memory_region(uint32_t slot, uint64_t gpa, void* host, uint64_t size);
  Vcpu create_vcpu(const KvmSystem& kvm, unsigned long id) const;
  // KVM_CREATE_DEVICE (e.g. KVM_DEV_TYPE_XICS): the device's fd.
  UniqueFd create_device(uint32_t type) const;

  // Book3S specifics.
  kvm_ppc_smmu_info smmu_info() const;
  // KVM_PPC_GET_RMMU_INFO (radix VMs): the page sizes a radix guest may map; none without it.
  std::optional<kvm_ppc_rmmu_info> radix_mmu_info() const;
  std::optional<kvm_ppc_pvinfo> pvinfo() const;  // KVM-PR only
  // KVM_PPC_GET_CPU_CHAR: the host processor's speculation-security characteristics and the
  // software behaviour its firmware recommends, in H_GET_CPU_CHARACTERISTICS's encoding, with
  // masks of the bits the host kernel knows (none: say a powernv firmware without
  // fw-features); nullopt when the kernel lacks the call.
  std::optional<kvm_ppc_cpu_char> cpu_characteristics() const;
  // KVM_PPC_ALLOCATE_HTAB (KVM-HV hash guests): returns the order the kernel chose.
  uint32_t allocate_htab(uint32_t order);
  void configure_v3_mmu(uint64_t flags, uint64_t process_table);
  // Interrupts and notifications without exits: an eventfd write raises XICS source gsi;
  // a guest write of datamatch to the MMIO address addr signals an eventfd.
  void register_irqfd(int fd, uint32_t gsi) override;
  void register_ioeventfd(uint64_t addr, uint32_t len, uint64_t datamatch, int fd) override;
  void register_address_ioeventfd(uint64_t addr, int fd) override;
  // KVM_SET_DEVICE_ATTR with a 64-bit value on a device fd (e.g. an XICS source's state).
  static void set_device_attr(int device_fd, uint32_t group, uint64_t attr, uint64_t value);
  // KVM_GET_DEVICE_ATTR: the 64-bit value.
  static uint64_t get_device_attr(int device_fd, uint32_t group, uint64_t attr);
  // Lets KVM answer an RTAS call itself (the XICS ones).
  void define_rtas_token(const std::string& name, uint32_t token);

 private:
  Vm(UniqueFd fd, VmType type) : fd_(std::move(fd)), type_(type) {}
  UniqueFd fd_;
  VmType type_;
  std::optional<bool> any_store_ioeventfds_;  // KVM_CAP_IOEVENTFD_ANY_LENGTH, asked once
};

}  // namespace ppc::vmm
