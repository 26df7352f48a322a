#pragma once
// Saves the callee-saved floating-point and vector registers (f14-f31, v20-v31) around
// KVM_RUN and restores them after. In the rig (nested KVM-HV, and KVM-HV on powernv9) they
// came back zeroed after KVM_RUN; the ABI lets any caller up the stack keep live values
// there, so the vCPU thread must not trust the kernel to preserve them.
#include <cstdint>

namespace ppc::vmm {

class FpVectorGuard {
 public:
  FpVectorGuard() {
    uint64_t* f = fpr_;
    asm volatile(
        "stfd 14,0(%0)\n\tstfd 15,8(%0)\n\tstfd 16,16(%0)\n\tstfd 17,24(%0)\n\t"
        "stfd 18,32(%0)\n\tstfd 19,40(%0)\n\tstfd 20,48(%0)\n\tstfd 21,56(%0)\n\t"
        "stfd 22,64(%0)\n\tstfd 23,72(%0)\n\tstfd 24,80(%0)\n\tstfd 25,88(%0)\n\t"
        "stfd 26,96(%0)\n\tstfd 27,104(%0)\n\tstfd 28,112(%0)\n\tstfd 29,120(%0)\n\t"
        "stfd 30,128(%0)\n\tstfd 31,136(%0)"
        :
        : "b"(f)
        : "memory");
    uint8_t* v = vr_;
    asm volatile(
        "stvx 20,0,%0\n\taddi %0,%0,16\n\tstvx 21,0,%0\n\taddi %0,%0,16\n\t"
        "stvx 22,0,%0\n\taddi %0,%0,16\n\tstvx 23,0,%0\n\taddi %0,%0,16\n\t"
        "stvx 24,0,%0\n\taddi %0,%0,16\n\tstvx 25,0,%0\n\taddi %0,%0,16\n\t"
        "stvx 26,0,%0\n\taddi %0,%0,16\n\tstvx 27,0,%0\n\taddi %0,%0,16\n\t"
        "stvx 28,0,%0\n\taddi %0,%0,16\n\tstvx 29,0,%0\n\taddi %0,%0,16\n\t"
        "stvx 30,0,%0\n\taddi %0,%0,16\n\tstvx 31,0,%0"
        : "+b"(v)
        :
        : "memory");
  }
  ~FpVectorGuard() {
    const uint64_t* f = fpr_;
    asm volatile(
        "lfd 14,0(%0)\n\tlfd 15,8(%0)\n\tlfd 16,16(%0)\n\tlfd 17,24(%0)\n\t"
        "lfd 18,32(%0)\n\tlfd 19,40(%0)\n\tlfd 20,48(%0)\n\tlfd 21,56(%0)\n\t"
        "lfd 22,64(%0)\n\tlfd 23,72(%0)\n\tlfd 24,80(%0)\n\tlfd 25,88(%0)\n\t"
        "lfd 26,96(%0)\n\tlfd 27,104(%0)\n\tlfd 28,112(%0)\n\tlfd 29,120(%0)\n\t"
        "lfd 30,128(%0)\n\tlfd 31,136(%0)"
        :
        : "b"(f)
        : "memory");
    const uint8_t* v = vr_;
    asm volatile(
        "lvx 20,0,%0\n\taddi %0,%0,16\n\tlvx 21,0,%0\n\taddi %0,%0,16\n\t"
        "lvx 22,0,%0\n\taddi %0,%0,16\n\tlvx 23,0,%0\n\taddi %0,%0,16\n\t"
        "lvx 24,0,%0\n\taddi %0,%0,16\n\tlvx 25,0,%0\n\taddi %0,%0,16\n\t"
        "lvx 26,0,%0\n\taddi %0,%0,16\n\tlvx 27,0,%0\n\taddi %0,%0,16\n\t"
        "lvx 28,0,%0\n\taddi %0,%0,16\n\tlvx 29,0,%0\n\taddi %0,%0,16\n\t"
        "lvx 30,0,%0\n\taddi %0,%0,16\n\tlvx 31,0,%0"
        : "+b"(v)
        :
        : "memory");
  }
  FpVectorGuard(const FpVectorGuard&) = delete;
  FpVectorGuard& operator=(const FpVectorGuard&) = delete;

 private:
  uint64_t fpr_[18];
  alignas(16) uint8_t vr_[12 * 16];
};

}  // namespace ppc::vmm
