#include "kvm/kvm_system.h"

#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>

#include <utility>

#include "base/error.h"

namespace ppc::vmm {

KvmSystem KvmSystem::open(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd.valid()) throw_errno("open " + path);
  return with_context(path, [&] { return adopt(std::move(fd)); });
}

KvmSystem KvmSystem::adopt(UniqueFd fd) {
  const int version = ::ioctl(fd.get(), KVM_GET_API_VERSION, 0);
  if (version < 0) throw_errno("KVM_GET_API_VERSION");
  if (version != KVM_API_VERSION)
    throw Error("KVM API version " + std::to_string(version) + ", expected " + std::to_string(KVM_API_VERSION));
  return KvmSystem(std::move(fd));
}

int KvmSystem::check_extension(long capability) const {
  const int value = ::ioctl(fd_.get(), KVM_CHECK_EXTENSION, capability);
  return value < 0 ? 0 : value;
}

size_t KvmSystem::vcpu_mmap_size() const {
  const int size = ::ioctl(fd_.get(), KVM_GET_VCPU_MMAP_SIZE, 0);
  if (size <= 0) throw_errno("KVM_GET_VCPU_MMAP_SIZE");
  return static_cast<size_t>(size);
}

}  // namespace ppc::vmm
