#include "kvm/vcpu.h"

#include <sys/ioctl.h>

#include <cerrno>
#include <string>

#include "base/error.h"
#include "base/hex.h"

namespace ppc::vmm {

bool Vcpu::run() {
  if (::ioctl(fd_.get(), KVM_RUN, 0) == 0) return true;
  if (errno == EINTR) return false;
  throw_errno("KVM_RUN on vCPU " + std::to_string(id_));
}

kvm_regs Vcpu::get_regs() const {
  kvm_regs regs{};
  if (::ioctl(fd_.get(), KVM_GET_REGS, &regs) < 0) throw_errno("KVM_GET_REGS");
  return regs;
}

void Vcpu::set_regs(const kvm_regs& regs) {
  if (::ioctl(fd_.get(), KVM_SET_REGS, &regs) < 0) throw_errno("KVM_SET_REGS");
}

kvm_sregs Vcpu::get_sregs() const {
  kvm_sregs sregs{};
  if (::ioctl(fd_.get(), KVM_GET_SREGS, &sregs) < 0) throw_errno("KVM_GET_SREGS");
  return sregs;
}

void Vcpu::set_sregs(const kvm_sregs& sregs) {
  if (::ioctl(fd_.get(), KVM_SET_SREGS, &sregs) < 0) throw_errno("KVM_SET_SREGS");
}

uint64_t Vcpu::get_one_reg(uint64_t id) const {
  uint64_t value = 0;
  kvm_one_reg reg{id, reinterpret_cast<uint64_t>(&value)};
  if (::ioctl(fd_.get(), KVM_GET_ONE_REG, &reg) < 0) throw_errno("KVM_GET_ONE_REG " + hex(id));
  return value;
}

void Vcpu::set_one_reg(uint64_t id, uint64_t value) {
  kvm_one_reg reg{id, reinterpret_cast<uint64_t>(&value)};
  if (::ioctl(fd_.get(), KVM_SET_ONE_REG, &reg) < 0) throw_errno("KVM_SET_ONE_REG " + hex(id));
}

bool Vcpu::try_get_one_reg(uint64_t id, void* bytes) const {
  kvm_one_reg reg{id, reinterpret_cast<uint64_t>(bytes)};
  return ::ioctl(fd_.get(), KVM_GET_ONE_REG, &reg) == 0;
}

void Vcpu::set_one_reg_bytes(uint64_t id, const void* bytes) {
  kvm_one_reg reg{id, reinterpret_cast<uint64_t>(bytes)};
  if (::ioctl(fd_.get(), KVM_SET_ONE_REG, &reg) < 0) throw_errno("KVM_SET_ONE_REG " + hex(id) + " on vCPU " + std::to_string(id_));
}

void Vcpu::enable_cap(uint32_t capability, uint64_t arg0, uint64_t arg1) {
  kvm_enable_cap cap{};
  cap.cap = capability;
  cap.args[0] = arg0;
  cap.args[1] = arg1;
  if (::ioctl(fd_.get(), KVM_ENABLE_CAP, &cap) < 0)
    throw_errno("KVM_ENABLE_CAP " + std::to_string(capability) + " on vCPU " + std::to_string(id_));
}

}  // namespace ppc::vmm
