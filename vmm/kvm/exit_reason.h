#pragma once
#include <cstdint>
#include <string>

namespace ppc::vmm {

// "PAPR_HCALL (19)": a kvm_run exit reason as it appears in messages.
std::string exit_reason_name(uint32_t reason);

}  // namespace ppc::vmm
