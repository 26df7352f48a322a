#include "memory/guest_memory.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <string>

#include "base/error.h"
#include "base/hex.h"

namespace ppc::vmm {
namespace {

UniqueFd make_ram_fd(uint64_t size, RamBacking backing) {
  if (size == 0) throw Error("guest RAM size is 0");
  if (backing == RamBacking::Private) return {};
  UniqueFd fd(::memfd_create("guest-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd.valid()) throw_errno("memfd_create for shared guest RAM");
  if (::ftruncate(fd.get(), static_cast<off_t>(size)) < 0) throw_errno("ftruncate shared guest RAM to " + hex(size));
  if (::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) < 0) throw_errno("sealing shared guest RAM");
  return fd;
}

Mapping map_ram(uint64_t size, int fd) {
  if (fd < 0) return Mapping::anonymous(size, "guest RAM");
  Mapping ram = Mapping::shared_fd(fd, size, 0, "shared guest RAM");
  // shmem gets transparent huge pages only as /sys/kernel/mm/transparent_hugepage/shmem_enabled
  // says; under "advise" this asks for them (elsewhere it changes nothing, so errors are moot).
  ::madvise(ram.data(), size, MADV_HUGEPAGE);
  return ram;
}

template <typename T>
T byteswap(T value) {
  if constexpr (sizeof(T) == 2) return __builtin_bswap16(value);
  if constexpr (sizeof(T) == 4) return __builtin_bswap32(value);
  return __builtin_bswap64(value);
}

}  // namespace

GuestMemory::GuestMemory(uint64_t size, RamBacking backing)
    : fd_(make_ram_fd(size, backing)), ram_(map_ram(size, fd_.get())) {}

GuestMemory GuestMemory::copy_on_write_of(int file, uint64_t size) {
  if (size == 0) throw Error("guest RAM size is 0");
  return GuestMemory(UniqueFd(), Mapping::private_fd(file, static_cast<size_t>(size), "a saved guest's RAM"));
}

GuestMemory GuestMemory::shared_copy_of(int file, uint64_t size, uint64_t* copied) {
  GuestMemory mem(size, RamBacking::Shared);
  if (copied) *copied = 0;
  off_t at = 0;
  const auto end = static_cast<off_t>(size);
  while (at < end) {
    const off_t data = ::lseek(file, at, SEEK_DATA);
    if (data < 0 && errno == ENXIO) break;  // nothing but a hole up to the end
    if (data < 0) throw_errno("a saved guest's RAM: SEEK_DATA at " + hex(static_cast<uint64_t>(at)));
    off_t hole = ::lseek(file, data, SEEK_HOLE);
    if (hole < 0) throw_errno("a saved guest's RAM: SEEK_HOLE at " + hex(static_cast<uint64_t>(data)));
    hole = std::min(hole, end);
    for (off_t pos = data; pos < hole;) {
      const ssize_t n = ::pread(file, mem.host_base() + pos, static_cast<size_t>(hole - pos), pos);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw_errno("a saved guest's RAM: read at " + hex(static_cast<uint64_t>(pos)));
      if (n == 0) throw Error("a saved guest's RAM ends at " + hex(static_cast<uint64_t>(pos)) + ", before " + hex(size));
      pos += n;
      if (copied) *copied += static_cast<uint64_t>(n);
    }
    at = hole;
  }
  return mem;
}

bool GuestMemory::contains(uint64_t gpa, uint64_t len) const {
  return gpa <= size() && len <= size() - gpa;
}

std::span<uint8_t> GuestMemory::slice(uint64_t gpa, uint64_t len) const {
  if (!contains(gpa, len))
    throw Error("guest range " + hex(gpa) + "+" + hex(len) + " is outside guest RAM (size " + hex(size()) + ")");
  return {ram_.data() + gpa, static_cast<size_t>(len)};
}

void GuestMemory::write(uint64_t gpa, std::span<const uint8_t> bytes) const {
  std::memcpy(slice(gpa, bytes.size()).data(), bytes.data(), bytes.size());
}

void GuestMemory::read(uint64_t gpa, std::span<uint8_t> out) const {
  std::memcpy(out.data(), slice(gpa, out.size()).data(), out.size());
}

namespace {

// Fixed-size loads and stores in a given byte order, through the checked slice.
template <typename T, std::endian Order>
T load(const GuestMemory& mem, uint64_t gpa) {
  T v;
  std::memcpy(&v, mem.slice(gpa, sizeof v).data(), sizeof v);
  return Order == std::endian::native ? v : byteswap(v);
}

template <std::endian Order, typename T>
void store(const GuestMemory& mem, uint64_t gpa, T value) {
  if (Order != std::endian::native) value = byteswap(value);
  std::memcpy(mem.slice(gpa, sizeof value).data(), &value, sizeof value);
}

}  // namespace

uint32_t GuestMemory::load_be32(uint64_t gpa) const { return load<uint32_t, std::endian::big>(*this, gpa); }
uint64_t GuestMemory::load_be64(uint64_t gpa) const { return load<uint64_t, std::endian::big>(*this, gpa); }
void GuestMemory::store_be32(uint64_t gpa, uint32_t value) const { store<std::endian::big>(*this, gpa, value); }
void GuestMemory::store_be64(uint64_t gpa, uint64_t value) const { store<std::endian::big>(*this, gpa, value); }
uint16_t GuestMemory::load_le16(uint64_t gpa) const { return load<uint16_t, std::endian::little>(*this, gpa); }
uint32_t GuestMemory::load_le32(uint64_t gpa) const { return load<uint32_t, std::endian::little>(*this, gpa); }
uint64_t GuestMemory::load_le64(uint64_t gpa) const { return load<uint64_t, std::endian::little>(*this, gpa); }
void GuestMemory::store_le16(uint64_t gpa, uint16_t value) const { store<std::endian::little>(*this, gpa, value); }
void GuestMemory::store_le32(uint64_t gpa, uint32_t value) const { store<std::endian::little>(*this, gpa, value); }

}  // namespace ppc::vmm
