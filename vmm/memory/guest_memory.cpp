#include "memory/guest_memory.h"

#include <bit>
#include <cstring>
#include <string>

#include "base/error.h"
#include "base/hex.h"

namespace ppc::vmm {
namespace {

Mapping map_ram(uint64_t size) {
  if (size == 0) throw Error("guest RAM size is 0");
  return Mapping::anonymous(size, "guest RAM");
}

template <typename T>
T byteswap(T value) {
  if constexpr (sizeof(T) == 2) return __builtin_bswap16(value);
  if constexpr (sizeof(T) == 4) return __builtin_bswap32(value);
  return __builtin_bswap64(value);
}

template <typename T>
T to_big_endian(T value) {
  if constexpr (std::endian::native == std::endian::big) return value;
  return byteswap(value);
}

template <typename T>
T to_little_endian(T value) {
  if constexpr (std::endian::native == std::endian::little) return value;
  return byteswap(value);
}

}  // namespace

GuestMemory::GuestMemory(uint64_t size) : ram_(map_ram(size)) {}

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

uint32_t GuestMemory::load_be32(uint64_t gpa) const {
  uint32_t v;
  std::memcpy(&v, slice(gpa, sizeof v).data(), sizeof v);
  return to_big_endian(v);
}

uint64_t GuestMemory::load_be64(uint64_t gpa) const {
  uint64_t v;
  std::memcpy(&v, slice(gpa, sizeof v).data(), sizeof v);
  return to_big_endian(v);
}

void GuestMemory::store_be32(uint64_t gpa, uint32_t value) const {
  value = to_big_endian(value);
  std::memcpy(slice(gpa, sizeof value).data(), &value, sizeof value);
}

void GuestMemory::store_be64(uint64_t gpa, uint64_t value) const {
  value = to_big_endian(value);
  std::memcpy(slice(gpa, sizeof value).data(), &value, sizeof value);
}

template <typename T>
T GuestMemory_load_le(const GuestMemory& mem, uint64_t gpa) {
  T v;
  std::memcpy(&v, mem.slice(gpa, sizeof v).data(), sizeof v);
  return to_little_endian(v);
}

template <typename T>
void GuestMemory_store_le(const GuestMemory& mem, uint64_t gpa, T value) {
  value = to_little_endian(value);
  std::memcpy(mem.slice(gpa, sizeof value).data(), &value, sizeof value);
}

uint16_t GuestMemory::load_le16(uint64_t gpa) const { return GuestMemory_load_le<uint16_t>(*this, gpa); }
uint32_t GuestMemory::load_le32(uint64_t gpa) const { return GuestMemory_load_le<uint32_t>(*this, gpa); }
uint64_t GuestMemory::load_le64(uint64_t gpa) const { return GuestMemory_load_le<uint64_t>(*this, gpa); }
void GuestMemory::store_le16(uint64_t gpa, uint16_t value) const { GuestMemory_store_le(*this, gpa, value); }
void GuestMemory::store_le32(uint64_t gpa, uint32_t value) const { GuestMemory_store_le(*this, gpa, value); }

}  // namespace ppc::vmm
