#pragma once
#include <string>

namespace ppc::vmm {

// Prints what the host's KVM offers, system-wide and for each VM type, in readable form.
void print_probe(const std::string& kvm_path);

}  // namespace ppc::vmm
