#pragma once
// For fuzzers: inaccessible pages right below and right above guest RAM's host mapping, so
// that a stray access just outside RAM faults at once instead of landing in whatever mapping
// happens to be next (ASan does not check accesses to mmap()ed memory). A guard is skipped
// when something is mapped there already.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

#include "memory/guest_memory.h"

namespace ppc::vmm {

inline void add_ram_guard_pages(const GuestMemory& mem) {
  const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const uintptr_t base = reinterpret_cast<uintptr_t>(mem.host_base());
  const uintptr_t end = (base + mem.size() + page - 1) & ~(page - 1);
  for (const uintptr_t at : {base - page, end}) {
    void* p = ::mmap(reinterpret_cast<void*>(at), page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    // Old kernels treat MAP_FIXED_NOREPLACE as a hint: a guard elsewhere guards nothing.
    if (p != MAP_FAILED && p != reinterpret_cast<void*>(at)) ::munmap(p, page);
  }
}

}  // namespace ppc::vmm
