#include "base/mapping.h"

#include <sys/mman.h>

#include <string>
#include <utility>

#include "base/error.h"

namespace ppc {

Mapping Mapping::anonymous(size_t size, std::string_view what) {
  void* addr = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (addr == MAP_FAILED) throw_errno("mmap " + std::to_string(size) + " bytes for " + std::string(what));
  return Mapping(addr, size);
}

Mapping Mapping::shared_fd(int fd, size_t size, off_t offset, std::string_view what) {
  void* addr = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);
  if (addr == MAP_FAILED) throw_errno("mmap " + std::string(what));
  return Mapping(addr, size);
}

Mapping Mapping::private_fd(int fd, size_t size, std::string_view what) {
  void* addr = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  if (addr == MAP_FAILED) throw_errno("mmap " + std::string(what));
  return Mapping(addr, size);
}

Mapping::Mapping(Mapping&& other) noexcept
    : addr_(std::exchange(other.addr_, nullptr)), size_(std::exchange(other.size_, 0)) {}

Mapping& Mapping::operator=(Mapping&& other) noexcept {
  if (this != &other) {
    if (addr_) ::munmap(addr_, size_);
    addr_ = std::exchange(other.addr_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

Mapping::~Mapping() {
  if (addr_) ::munmap(addr_, size_);
}

}  // namespace ppc
