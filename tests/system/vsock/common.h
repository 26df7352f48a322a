#pragma once
// What both vsock test programs share: the byte stream they agree on, its checksum
// (FNV-1a, 64-bit), the request header, and whole-buffer reads and writes.
#include <unistd.h>

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

inline bool read_all(int fd, void* buf, size_t n) {
  auto* p = static_cast<uint8_t*>(buf);
  while (n) {
    const ssize_t r = ::read(fd, p, n);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

inline bool write_all(int fd, const void* buf, size_t n) {
  const auto* p = static_cast<const uint8_t*>(buf);
  while (n) {
    const ssize_t w = ::write(fd, p, n);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

}  // namespace vsock_test
