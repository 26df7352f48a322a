#pragma once
// The byte stream both vsock test programs agree on, and its checksum (FNV-1a, 64-bit).
#include <cstddef>
#include <cstdint>

namespace vsock_test {

inline uint8_t pattern_byte(uint64_t seed, uint64_t i) {
  return static_cast<uint8_t>((seed * 2654435761u) ^ (i * 31) ^ (i >> 9));
}

struct Fnv {
  uint64_t h = 1469598103934665603ull;
  void add(const uint8_t* p, size_t n) {
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  }
};

// What the host sends first on a data connection.
struct Request {
  uint64_t mode;  // 0 bulk: guest reads `up` bytes, then sends `down` bytes and the checksum; 1 echo
  uint64_t up;
  uint64_t down;
  uint64_t seed;
};

}  // namespace vsock_test
