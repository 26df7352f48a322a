#include "probe.h"

#include <linux/kvm.h>

#include <cstdio>

#include "base/error.h"
#include "kvm/kvm_system.h"
#include "kvm/vm.h"

namespace ppc::vmm {
namespace {

struct Cap {
  long id;
  const char* name;
};

constexpr Cap kCaps[] = {
    {KVM_CAP_PPC_PAPR, "PPC_PAPR"},
    {KVM_CAP_PPC_ENABLE_HCALL, "PPC_ENABLE_HCALL"},
    {KVM_CAP_IRQ_XICS, "IRQ_XICS"},
    {KVM_CAP_PPC_IRQ_XIVE, "PPC_IRQ_XIVE"},
    {KVM_CAP_ONE_REG, "ONE_REG"},
    {KVM_CAP_PPC_GET_SMMU_INFO, "PPC_GET_SMMU_INFO"},
    {KVM_CAP_PPC_GET_PVINFO, "PPC_GET_PVINFO"},
    {KVM_CAP_PPC_MMU_RADIX, "PPC_MMU_RADIX"},
    {KVM_CAP_PPC_MMU_HASH_V3, "PPC_MMU_HASH_V3"},
    {KVM_CAP_PPC_ALLOC_HTAB, "PPC_ALLOC_HTAB"},
    {KVM_CAP_PPC_HTAB_FD, "PPC_HTAB_FD"},
    {KVM_CAP_PPC_RTAS, "PPC_RTAS"},
    {KVM_CAP_PPC_SMT, "PPC_SMT"},
    {KVM_CAP_PPC_NESTED_HV, "PPC_NESTED_HV"},
    {KVM_CAP_SYNC_MMU, "SYNC_MMU"},
    {KVM_CAP_IRQFD, "IRQFD"},
    {KVM_CAP_IOEVENTFD, "IOEVENTFD"},
    {KVM_CAP_IMMEDIATE_EXIT, "IMMEDIATE_EXIT"},
    {KVM_CAP_NR_VCPUS, "NR_VCPUS"},
    {KVM_CAP_MAX_VCPUS, "MAX_VCPUS"},
    {KVM_CAP_NR_MEMSLOTS, "NR_MEMSLOTS"},
};

template <typename Query>
void print_caps(const char* title, Query query) {
  std::printf("%s:\n", title);
  for (const Cap& cap : kCaps) std::printf("  %-20s %d\n", cap.name, query(cap.id));
}

}  // namespace

void print_probe(const std::string& kvm_path) {
  const KvmSystem kvm = KvmSystem::open(kvm_path);
  print_caps(("system (" + kvm_path + ")").c_str(), [&](long id) { return kvm.check_extension(id); });
  for (VmType type : {VmType::Hv, VmType::Pr}) {
    const std::string title = "VM type " + std::string(vm_type_name(type));
    try {
      const Vm vm = Vm::create(kvm, type);
      print_caps(title.c_str(), [&](long id) { return vm.check_extension(id); });
      const kvm_ppc_smmu_info smmu = vm.smmu_info();
      std::printf("  SMMU: slb_size %u, 1T segments %s, base page sizes:", smmu.slb_size,
                  (smmu.flags & KVM_PPC_1T_SEGMENTS) ? "yes" : "no");
      for (const auto& sps : smmu.sps)
        if (sps.page_shift) std::printf(" %uK", (1u << sps.page_shift) / 1024);
      std::printf("\n");
    } catch (const Error& e) {
      std::printf("%s: not available: %s\n", title.c_str(), e.what());
    }
  }
}

}  // namespace ppc::vmm
