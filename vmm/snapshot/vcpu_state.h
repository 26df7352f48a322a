#pragma once
// One vCPU's architected state, as KVM lets a VMM read and write it: the general registers
// (KVM_GET_REGS), the segment state (KVM_GET_SREGS) and every ONE_REG register this vCPU's KVM
// answers for (floating point, vector, SPRs, the VPA areas, the timebase offset, the
// decrementer's expiry, the XICS presentation state). Read from a vCPU stopped outside KVM_RUN
// with nothing pending; written into a new vCPU of a new VM before its first KVM_RUN.
#include <linux/kvm.h>

#include <cstdint>
#include <vector>

#include "kvm/vcpu.h"

namespace ppc::vmm {

struct OneReg {
  uint64_t id = 0;
  std::vector<uint8_t> bytes;  // one_reg_size(id) bytes, as KVM gives them
};

struct VcpuState {
  kvm_regs regs{};
  kvm_sregs sregs{};
  std::vector<OneReg> one_regs;  // in the order they are written back
  bool running = false;          // started (RTAS start-cpu or the boot CPU), not stopped-self
};

// Every register this vCPU has; ONE_REG ids its KVM does not know are left out.
VcpuState capture_vcpu_state(const Vcpu& vcpu);

// The XICS presentation state read again into `state`, from any thread once every vCPU and
// the device thread stopped: an interrupt a device raised after this vCPU saved itself may
// have reached it, and it must agree with the sources saved then.
void refresh_interrupt_presentation(const Vcpu& vcpu, VcpuState& state);

// Writes `state` into a new vCPU: the registers, then the ONE_REG ones in capture order (the
// VPA before its SLB shadow and dispatch log, as KVM requires), the timebase offset replaced by
// `tb_offset`. Throws naming the register KVM refused.
void restore_vcpu_state(Vcpu& vcpu, const VcpuState& state, uint64_t tb_offset);

}  // namespace ppc::vmm
