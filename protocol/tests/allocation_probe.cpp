#include "allocation_probe.h"

#include <atomic>
#include <cstdlib>
#include <new>

// Replaces the global operator new and delete of the test binary (all the unaligned forms,
// so every pair stays malloc/free even under ASan) to record request sizes.
namespace {

std::atomic<size_t> largest{0};

void* allocate(size_t size) {
  size_t seen = largest.load(std::memory_order_relaxed);
  while (size > seen && !largest.compare_exchange_weak(seen, size, std::memory_order_relaxed)) {
  }
  return std::malloc(size == 0 ? 1 : size);
}

}  // namespace

void* operator new(size_t size) {
  if (void* p = allocate(size)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t size) { return operator new(size); }
void* operator new(size_t size, const std::nothrow_t&) noexcept { return allocate(size); }
void* operator new[](size_t size, const std::nothrow_t&) noexcept { return allocate(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace ppc::protocol::testing {

void reset_largest_allocation() { largest.store(0); }
size_t largest_allocation() { return largest.load(); }

}  // namespace ppc::protocol::testing
