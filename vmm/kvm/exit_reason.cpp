#include "kvm/exit_reason.h"

#include <linux/kvm.h>

namespace ppc::vmm {

std::string exit_reason_name(uint32_t reason) {
  const char* name = "unknown";
  switch (reason) {
    case KVM_EXIT_UNKNOWN: name = "UNKNOWN"; break;
    case KVM_EXIT_EXCEPTION: name = "EXCEPTION"; break;
    case KVM_EXIT_IO: name = "IO"; break;
    case KVM_EXIT_DEBUG: name = "DEBUG"; break;
    case KVM_EXIT_HLT: name = "HLT"; break;
    case KVM_EXIT_MMIO: name = "MMIO"; break;
    case KVM_EXIT_SHUTDOWN: name = "SHUTDOWN"; break;
    case KVM_EXIT_FAIL_ENTRY: name = "FAIL_ENTRY"; break;
    case KVM_EXIT_INTR: name = "INTR"; break;
    case KVM_EXIT_INTERNAL_ERROR: name = "INTERNAL_ERROR"; break;
    case KVM_EXIT_OSI: name = "OSI"; break;
    case KVM_EXIT_PAPR_HCALL: name = "PAPR_HCALL"; break;
    case KVM_EXIT_EPR: name = "EPR"; break;
    case KVM_EXIT_SYSTEM_EVENT: name = "SYSTEM_EVENT"; break;
  }
  return std::string(name) + " (" + std::to_string(reason) + ")";
}

}  // namespace ppc::vmm
