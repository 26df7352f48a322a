#pragma once
// /dev/kvm: the API version check, capability queries and the vCPU mapping size.
#include <cstddef>
#include <string>
#include <utility>

#include "base/unique_fd.h"

namespace ppc::vmm {

class KvmSystem {
 public:
  // Opens path (normally /dev/kvm) and checks KVM_GET_API_VERSION is 12.
  static KvmSystem open(const std::string& path = "/dev/kvm");
  // Adopts an already open /dev/kvm (handed to a jailed VMM as an fd).
  static KvmSystem adopt(UniqueFd fd);

  int fd() const { return fd_.get(); }
  // KVM_CHECK_EXTENSION on the system fd: 0 when absent, else the capability's value.
  int check_extension(long capability) const;
  size_t vcpu_mmap_size() const;

 private:
  explicit KvmSystem(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace ppc::vmm
