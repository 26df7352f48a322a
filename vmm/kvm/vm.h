#pragma once
// One KVM virtual machine: its type (KVM-HV or KVM-PR), memory slots and vCPU creation.
#include <cstdint>
#include <optional>
#include <string_view>

#include "base/unique_fd.h"
#include "kvm/kvm_system.h"
#include "kvm/vcpu.h"

namespace ppc::vmm {

// KVM_CREATE_VM's machine type on Book3S: 0 lets the kernel pick (HV when usable, else PR).
enum class VmType { Auto = 0, Hv = 1, Pr = 2 };

std::string_view vm_type_name(VmType type);
// "auto", "hv" or "pr"; nullopt for anything else.
std::optional<VmType> parse_vm_type(std::string_view text);

class Vm {
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

 private:
  Vm(UniqueFd fd, VmType type) : fd_(std::move(fd)), type_(type) {}
  UniqueFd fd_;
  VmType type_;
};

}  // namespace ppc::vmm
