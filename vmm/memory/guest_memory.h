#pragma once
// Guest physical RAM: one mapping that starts at guest physical address 0.
// Every access the VMM makes on the guest's behalf goes through the checked accessors,
// because addresses and lengths come from a hostile guest.
#include <cstdint>
#include <span>

#include "base/mapping.h"
#include "base/unique_fd.h"

namespace ppc::vmm {

// Private: anonymous memory, only this process (and KVM) sees it. Shared: a memfd mapped
// MAP_SHARED, which another process (a vhost-user backend) can map too; it is sealed so that
// no holder of the fd can grow or shrink it under the guest (a shrink would make the VMM's
// and KVM's accesses fault).
enum class RamBacking { Private, Shared };

class GuestMemory {
 public:
  explicit GuestMemory(uint64_t size, RamBacking backing = RamBacking::Private);
  // Private RAM that starts as the bytes of `file` (a saved guest's): each page is read from
  // it when first touched, the guest's writes stay in this process. `file` holds `size` bytes.
  static GuestMemory copy_on_write_of(int file, uint64_t size);
  // Shared RAM (a vhost-user backend maps it) filled with the bytes of `file` now: only its
  // data extents are read (SEEK_DATA), its holes stay zero pages never touched. `copied`, when
  // given, receives the number of bytes read.
  static GuestMemory shared_copy_of(int file, uint64_t size, uint64_t* copied = nullptr);

  uint64_t size() const { return ram_.size(); }
  uint8_t* host_base() const { return ram_.data(); }
  // Shared RAM: the memfd behind it (offset 0 is guest physical 0). Private RAM: -1.
  int fd() const { return fd_.get(); }

  // True when [gpa, gpa + len) lies inside RAM; safe against wrap-around.
  bool contains(uint64_t gpa, uint64_t len) const;
  // The host view of [gpa, gpa + len); throws an Error naming the range when it is outside RAM.
  std::span<uint8_t> slice(uint64_t gpa, uint64_t len) const;

  void write(uint64_t gpa, std::span<const uint8_t> bytes) const;
  void read(uint64_t gpa, std::span<uint8_t> out) const;

  // Big-endian loads and stores (PAPR argument blocks, RTAS, big-endian guest code).
  uint32_t load_be32(uint64_t gpa) const;
  uint64_t load_be64(uint64_t gpa) const;
  void store_be32(uint64_t gpa, uint32_t value) const;
  void store_be64(uint64_t gpa, uint64_t value) const;

  // Little-endian loads and stores (virtio 1.x rings and registers).
  uint16_t load_le16(uint64_t gpa) const;
  uint32_t load_le32(uint64_t gpa) const;
  uint64_t load_le64(uint64_t gpa) const;
  void store_le16(uint64_t gpa, uint16_t value) const;
  void store_le32(uint64_t gpa, uint32_t value) const;

 private:
  GuestMemory(UniqueFd fd, Mapping ram) : fd_(std::move(fd)), ram_(std::move(ram)) {}
  UniqueFd fd_;  // before ram_: the mapping is made from it
  Mapping ram_;
};

}  // namespace ppc::vmm
