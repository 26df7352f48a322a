#include "kvm/vm.h"

#include <linux/kvm.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <string>
#include <utility>

#include "base/error.h"
#include "base/hex.h"
#include "base/mapping.h"

namespace ppc::vmm {

std::string_view vm_type_name(VmType type) {
  switch (type) {
    case VmType::Auto: return "auto";
    case VmType::Hv: return "hv";
    case VmType::Pr: return "pr";
  }
  return "?";
}

std::optional<VmType> parse_vm_type(std::string_view text) {
  if (text == "auto") return VmType::Auto;
  if (text == "hv") return VmType::Hv;
  if (text == "pr") return VmType::Pr;
  return std::nullopt;
}

Vm Vm::create(const KvmSystem& kvm, VmType type) {
  int fd;
  do fd = ::ioctl(kvm.fd(), KVM_CREATE_VM, static_cast<unsigned long>(type));
  while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    const std::string hint = type == VmType::Pr   ? " (is the kvm-pr module loaded?)"
                             : type == VmType::Hv ? " (is the kvm-hv module loaded, on a host that allows HV?)"
                                                  : " (neither kvm-hv nor kvm-pr is usable)";
    throw_errno("KVM_CREATE_VM type " + std::string(vm_type_name(type)) + hint);
  }
  return Vm(UniqueFd(fd), type);
}

int Vm::check_extension(long capability) const {
  const int value = ::ioctl(fd_.get(), KVM_CHECK_EXTENSION, capability);
  return value < 0 ? 0 : value;
}

void Vm::enable_cap(uint32_t capability, uint64_t arg0) {
  kvm_enable_cap cap{};
  cap.cap = capability;
  cap.args[0] = arg0;
  if (::ioctl(fd_.get(), KVM_ENABLE_CAP, &cap) < 0) throw_errno("KVM_ENABLE_CAP " + std::to_string(capability) + " on the VM");
}

void Vm::set_memory_region(uint32_t slot, uint64_t gpa, void* host, uint64_t size) {
  kvm_userspace_memory_region region{};
  region.slot = slot;
  region.guest_phys_addr = gpa;
  region.memory_size = size;
  region.userspace_addr = reinterpret_cast<uint64_t>(host);
  if (::ioctl(fd_.get(), KVM_SET_USER_MEMORY_REGION, &region) < 0)
    throw_errno("KVM_SET_USER_MEMORY_REGION slot " + std::to_string(slot) + " at guest " + hex(gpa) + " size " + hex(size));
}

Vcpu Vm::create_vcpu(const KvmSystem& kvm, unsigned long id) const {
  const int fd = ::ioctl(fd_.get(), KVM_CREATE_VCPU, id);
  if (fd < 0) throw_errno("KVM_CREATE_VCPU " + std::to_string(id));
  UniqueFd vcpu_fd(fd);
  Mapping run = Mapping::shared_fd(vcpu_fd.get(), kvm.vcpu_mmap_size(), 0, "kvm_run of vCPU " + std::to_string(id));
  return Vcpu(std::move(vcpu_fd), std::move(run), id);
}

UniqueFd Vm::create_device(uint32_t type) const {
  kvm_create_device dev{};
  dev.type = type;
  if (::ioctl(fd_.get(), KVM_CREATE_DEVICE, &dev) < 0) throw_errno("KVM_CREATE_DEVICE type " + std::to_string(type));
  return UniqueFd(static_cast<int>(dev.fd));
}

kvm_ppc_smmu_info Vm::smmu_info() const {
  kvm_ppc_smmu_info info{};
  if (::ioctl(fd_.get(), KVM_PPC_GET_SMMU_INFO, &info) < 0) throw_errno("KVM_PPC_GET_SMMU_INFO");
  return info;
}

std::optional<kvm_ppc_rmmu_info> Vm::radix_mmu_info() const {
  if (!check_extension(KVM_CAP_PPC_MMU_RADIX)) return std::nullopt;
  kvm_ppc_rmmu_info info{};
  if (::ioctl(fd_.get(), KVM_PPC_GET_RMMU_INFO, &info) < 0) return std::nullopt;
  return info;
}

std::optional<kvm_ppc_cpu_char> Vm::cpu_characteristics() const {
  if (!check_extension(KVM_CAP_PPC_GET_CPU_CHAR)) return std::nullopt;
  kvm_ppc_cpu_char chars{};
  if (::ioctl(fd_.get(), KVM_PPC_GET_CPU_CHAR, &chars) < 0) return std::nullopt;
  return chars;
}

std::optional<kvm_ppc_pvinfo> Vm::pvinfo() const {
  if (!check_extension(KVM_CAP_PPC_GET_PVINFO)) return std::nullopt;
  kvm_ppc_pvinfo info{};
  if (::ioctl(fd_.get(), KVM_PPC_GET_PVINFO, &info) < 0) return std::nullopt;
  return info;
}

uint32_t Vm::allocate_htab(uint32_t order) {
  uint32_t inout = order;
  if (::ioctl(fd_.get(), KVM_PPC_ALLOCATE_HTAB, &inout) < 0) throw_errno("KVM_PPC_ALLOCATE_HTAB order " + std::to_string(order));
  return inout;
}

void Vm::configure_v3_mmu(uint64_t flags, uint64_t process_table) {
  kvm_ppc_mmuv3_cfg cfg{flags, process_table};
  if (::ioctl(fd_.get(), KVM_PPC_CONFIGURE_V3_MMU, &cfg) < 0)
    throw_errno("KVM_PPC_CONFIGURE_V3_MMU flags " + hex(flags) + " process table " + hex(process_table));
}

void Vm::register_irqfd(int fd, uint32_t gsi) {
  kvm_irqfd irqfd{};
  irqfd.fd = static_cast<uint32_t>(fd);
  irqfd.gsi = gsi;
  if (::ioctl(fd_.get(), KVM_IRQFD, &irqfd) < 0) throw_errno("KVM_IRQFD gsi " + std::to_string(gsi));
}

void Vm::register_ioeventfd(uint64_t addr, uint32_t len, uint64_t datamatch, int fd) {
  kvm_ioeventfd io{};
  io.datamatch = datamatch;
  io.addr = addr;
  io.len = len;
  io.fd = fd;
  io.flags = KVM_IOEVENTFD_FLAG_DATAMATCH;
  if (::ioctl(fd_.get(), KVM_IOEVENTFD, &io) < 0) throw_errno("KVM_IOEVENTFD at " + hex(addr));
}

void Vm::register_address_ioeventfd(uint64_t addr, int fd) {
  if (!any_store_ioeventfds_) any_store_ioeventfds_ = check_extension(KVM_CAP_IOEVENTFD_ANY_LENGTH) != 0;
  if (!*any_store_ioeventfds_) return;
  // Length 0 and no datamatch: any store to addr. KVM also puts such an ioeventfd on its fast
  // MMIO bus, which it consults before it decodes the store.
  kvm_ioeventfd io{};
  io.addr = addr;
  io.len = 0;
  io.fd = fd;
  if (::ioctl(fd_.get(), KVM_IOEVENTFD, &io) < 0) throw_errno("KVM_IOEVENTFD (any store) at " + hex(addr));
}

namespace {
// KVM_SET_DEVICE_ATTR / KVM_GET_DEVICE_ATTR of a 64-bit attribute at `value`.
void device_attr(int device_fd, unsigned long request, const char* name, uint32_t group, uint64_t attr, uint64_t* value) {
  kvm_device_attr a{};
  a.group = group;
  a.attr = attr;
  a.addr = reinterpret_cast<uint64_t>(value);
  if (::ioctl(device_fd, request, &a) < 0) throw_errno(std::string(name) + " group " + std::to_string(group) + " attr " + hex(attr));
}
}  // namespace

void Vm::set_device_attr(int device_fd, uint32_t group, uint64_t attr, uint64_t value) {
  device_attr(device_fd, KVM_SET_DEVICE_ATTR, "KVM_SET_DEVICE_ATTR", group, attr, &value);
}

uint64_t Vm::get_device_attr(int device_fd, uint32_t group, uint64_t attr) {
  uint64_t value = 0;
  device_attr(device_fd, KVM_GET_DEVICE_ATTR, "KVM_GET_DEVICE_ATTR", group, attr, &value);
  return value;
}

void Vm::define_rtas_token(const std::string& name, uint32_t token) {
  kvm_rtas_token_args args{};
  if (name.size() >= sizeof args.name) throw Error("RTAS name too long: " + name);
  name.copy(args.name, name.size());
  args.token = token;
  if (::ioctl(fd_.get(), KVM_PPC_RTAS_DEFINE_TOKEN, &args) < 0) throw_errno("KVM_PPC_RTAS_DEFINE_TOKEN " + name);
}

}  // namespace ppc::vmm
