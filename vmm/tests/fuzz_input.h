#pragma once
// For the VMM's fuzzers: the fuzzer's bytes read in order as little-endian values, zeros once
// they run out (so that every input, however short, is a complete scenario).
#include <cstddef>
#include <cstdint>

namespace ppc::vmm::fuzz {

class Input {
 public:
  Input(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
  uint8_t u8() { return p_ < end_ ? *p_++ : 0; }
  // Each read is sequenced: the order of a | b's operands is not.
  uint16_t u16() {
    const uint16_t low = u8();
    return static_cast<uint16_t>(low | (u8() << 8));
  }
  uint32_t u32() {
    const uint32_t low = u16();
    return low | (uint32_t{u16()} << 16);
  }
  uint64_t u64() {
    const uint64_t low = u32();
    return low | (uint64_t{u32()} << 32);
  }
  const uint8_t* rest() const { return p_; }
  size_t left() const { return static_cast<size_t>(end_ - p_); }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

}  // namespace ppc::vmm::fuzz
