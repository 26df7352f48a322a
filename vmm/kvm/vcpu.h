#pragma once
// One KVM vCPU: its fd, its kvm_run area, KVM_RUN and the register ioctls.
#include <linux/kvm.h>

#include <cstdint>
#include <utility>

#include "base/mapping.h"
#include "base/unique_fd.h"

namespace ppc::vmm {

// The size in bytes of a ONE_REG register, from its id.
constexpr size_t one_reg_size(uint64_t id) { return size_t{1} << ((id & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT); }

class Vcpu {
 public:
  Vcpu(UniqueFd fd, Mapping run, unsigned long id) : fd_(std::move(fd)), run_(std::move(run)), id_(id) {}

  int fd() const { return fd_.get(); }
  unsigned long id() const { return id_; }
  kvm_run& run_area() const { return *reinterpret_cast<kvm_run*>(run_.data()); }

  // KVM_RUN. Returns false when a signal interrupted it (EINTR), true on a normal exit.
  bool run();

  kvm_regs get_regs() const;
  void set_regs(const kvm_regs& regs);
  kvm_sregs get_sregs() const;
  void set_sregs(const kvm_sregs& sregs);
  uint64_t get_one_reg(uint64_t id) const;
  void set_one_reg(uint64_t id, uint64_t value);
  // A register of any size (one_reg_size(id) bytes at `bytes`). try_get_one_reg returns false
  // when this vCPU's KVM has no such register (errno tells why).
  bool try_get_one_reg(uint64_t id, void* bytes) const;
  void set_one_reg_bytes(uint64_t id, const void* bytes);
  void enable_cap(uint32_t capability, uint64_t arg0 = 0, uint64_t arg1 = 0);

 private:
  UniqueFd fd_;
  Mapping run_;
  unsigned long id_;
};

}  // namespace ppc::vmm
