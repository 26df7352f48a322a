#pragma once
// Owns one mmap()ed region and unmaps it exactly once.
#include <cstddef>
#include <sys/types.h>

#include <cstdint>
#include <string_view>

namespace ppc {

class Mapping {
 public:
  Mapping() = default;
  // Anonymous private memory, zero-filled, not yet touched.
  static Mapping anonymous(size_t size, std::string_view what);
  // A shared mapping of fd at offset (e.g. a vCPU's kvm_run area).
  static Mapping shared_fd(int fd, size_t size, off_t offset, std::string_view what);
  // A private (copy-on-write) mapping of fd from offset 0: its pages are read from the file on
  // first touch, and writes stay in this process.
  static Mapping private_fd(int fd, size_t size, std::string_view what);

  Mapping(Mapping&& other) noexcept;
  Mapping& operator=(Mapping&& other) noexcept;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping();

  uint8_t* data() const { return static_cast<uint8_t*>(addr_); }
  size_t size() const { return size_; }

 private:
  Mapping(void* addr, size_t size) : addr_(addr), size_(size) {}
  void* addr_ = nullptr;
  size_t size_ = 0;
};

}  // namespace ppc
