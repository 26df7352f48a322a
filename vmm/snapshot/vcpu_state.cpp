#include "snapshot/vcpu_state.h"

#include <array>
#include <cerrno>

#include "base/error.h"
#include "base/hex.h"

namespace ppc::vmm {
namespace {

// The ONE_REG registers of a Book3S vCPU (KVM-HV and KVM-PR answer for different subsets), in
// the order they are written back: the compatibility mode and LPCR first (they decide what the
// rest may hold), the VPA before its SLB shadow and dispatch log, the timebase offset before the
// decrementer's expiry (a guest-timebase value), the interrupt presentation state last.
std::vector<uint64_t> candidate_ids() {
  std::vector<uint64_t> ids = {
      KVM_REG_PPC_ARCH_COMPAT, KVM_REG_PPC_LPCR_64, KVM_REG_PPC_HIOR,   KVM_REG_PPC_FPSCR,  KVM_REG_PPC_VSCR,
      KVM_REG_PPC_VRSAVE,      KVM_REG_PPC_DAR,     KVM_REG_PPC_DSISR,  KVM_REG_PPC_FSCR,   KVM_REG_PPC_TAR,
      KVM_REG_PPC_EBBHR,       KVM_REG_PPC_EBBRR,   KVM_REG_PPC_BESCR,  KVM_REG_PPC_DSCR,   KVM_REG_PPC_PURR,
      KVM_REG_PPC_SPURR,       KVM_REG_PPC_AMR,     KVM_REG_PPC_UAMOR,  KVM_REG_PPC_IAMR,   KVM_REG_PPC_MMCR0,
      KVM_REG_PPC_MMCR1,       KVM_REG_PPC_MMCRA,   KVM_REG_PPC_MMCR2,  KVM_REG_PPC_MMCRS,  KVM_REG_PPC_MMCR3,
      KVM_REG_PPC_SIER,        KVM_REG_PPC_SIER2,   KVM_REG_PPC_SIER3,  KVM_REG_PPC_PMC1,   KVM_REG_PPC_PMC2,
      KVM_REG_PPC_PMC3,        KVM_REG_PPC_PMC4,    KVM_REG_PPC_PMC5,   KVM_REG_PPC_PMC6,   KVM_REG_PPC_PMC7,
      KVM_REG_PPC_PMC8,        KVM_REG_PPC_SIAR,    KVM_REG_PPC_SDAR,   KVM_REG_PPC_PSPB,   KVM_REG_PPC_DPDES,
      KVM_REG_PPC_VTB,         KVM_REG_PPC_DAWR,    KVM_REG_PPC_DAWRX,  KVM_REG_PPC_DAWR1,  KVM_REG_PPC_DAWRX1,
      KVM_REG_PPC_CIABR,       KVM_REG_PPC_CSIGR,   KVM_REG_PPC_TACR,   KVM_REG_PPC_TCSCR,  KVM_REG_PPC_PID,
      KVM_REG_PPC_ACOP,        KVM_REG_PPC_WORT,    KVM_REG_PPC_TIDR,   KVM_REG_PPC_PSSCR,  KVM_REG_PPC_PPR,
      KVM_REG_PPC_ONLINE,
  };
  for (uint64_t i = 0; i < 32; ++i) ids.push_back(KVM_REG_PPC_VSR(i));
  for (uint64_t i = 0; i < 32; ++i) ids.push_back(KVM_REG_PPC_VR(i));
  for (const uint64_t id : {KVM_REG_PPC_VPA_ADDR, KVM_REG_PPC_VPA_SLB, KVM_REG_PPC_VPA_DTL, KVM_REG_PPC_TB_OFFSET,
                            KVM_REG_PPC_DEC_EXPIRY, KVM_REG_PPC_ICP_STATE}) {
    ids.push_back(id);
  }
  return ids;
}

}  // namespace

VcpuState capture_vcpu_state(const Vcpu& vcpu) {
  VcpuState state;
  state.regs = vcpu.get_regs();
  state.sregs = vcpu.get_sregs();
  for (const uint64_t id : candidate_ids()) {
    std::array<uint8_t, 16> value{};
    if (!vcpu.try_get_one_reg(id, value.data())) {
      if (errno == EINVAL || errno == ENOENT) continue;  // not a register of this vCPU's KVM
      throw_errno("KVM_GET_ONE_REG " + hex(id));
    }
    state.one_regs.push_back({id, std::vector<uint8_t>(value.begin(), value.begin() + one_reg_size(id))});
  }
  return state;
}

void refresh_interrupt_presentation(const Vcpu& vcpu, VcpuState& state) {
  for (OneReg& reg : state.one_regs) {
    if (reg.id != KVM_REG_PPC_ICP_STATE) continue;
    if (!vcpu.try_get_one_reg(reg.id, reg.bytes.data())) throw_errno("KVM_GET_ONE_REG ICP_STATE");
  }
}

void restore_vcpu_state(Vcpu& vcpu, const VcpuState& state, uint64_t tb_offset) {
  // KVM refuses another processor's PVR with a bare EINVAL: say which.
  const uint32_t pvr = vcpu.get_sregs().pvr;
  if (state.sregs.pvr != pvr) {
    throw Error("saved on a processor with PVR " + hex(state.sregs.pvr) + ", this one's is " + hex(pvr));
  }
  vcpu.set_sregs(state.sregs);
  vcpu.set_regs(state.regs);
  for (const OneReg& reg : state.one_regs) {
    if (reg.bytes.size() != one_reg_size(reg.id)) {
      throw Error("ONE_REG " + hex(reg.id) + ": " + std::to_string(reg.bytes.size()) + " bytes, not " +
                  std::to_string(one_reg_size(reg.id)));
    }
    if (reg.id == KVM_REG_PPC_TB_OFFSET) {
      vcpu.set_one_reg_bytes(reg.id, &tb_offset);
      continue;
    }
    vcpu.set_one_reg_bytes(reg.id, reg.bytes.data());
  }
}

}  // namespace ppc::vmm
