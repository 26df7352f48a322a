#pragma once
// For fuzzers: guest RAM with an inaccessible page right below and right above its host
// mapping, so that a stray access just outside RAM faults at once instead of landing in
// whatever mapping happens to be next (ASan does not check accesses to mmap()ed memory).
// The kernel places mappings top-down, each right below the last, so a guard page mapped
// first is usually right above the RAM mapped next; the placement is checked, and retried
// elsewhere when something came between.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "memory/guest_memory.h"

namespace ppc::vmm {

// size must be a multiple of the page size: the guard above starts where RAM ends.
inline std::unique_ptr<GuestMemory> make_guarded_ram(uint64_t size) {
  const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  if (size % page != 0) std::abort();
  std::vector<std::unique_ptr<GuestMemory>> misplaced;  // held until the end, so that no try lands there again
  for (int attempt = 0; attempt < 64; ++attempt) {
    void* above = ::mmap(nullptr, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (above == MAP_FAILED) break;
    auto mem = std::make_unique<GuestMemory>(size);
    const uintptr_t base = reinterpret_cast<uintptr_t>(mem->host_base());
    if (base + size == reinterpret_cast<uintptr_t>(above)) {
      void* below = ::mmap(reinterpret_cast<void*>(base - page), page, PROT_NONE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
      if (below == reinterpret_cast<void*>(base - page)) return mem;  // both guards stay for the process's life
      if (below != MAP_FAILED) ::munmap(below, page);  // an old kernel took the address as a hint
    }
    ::munmap(above, page);
    misplaced.push_back(std::move(mem));
  }
  std::fprintf(stderr, "make_guarded_ram: could not place guard pages around %llu bytes of RAM\n",
               static_cast<unsigned long long>(size));
  std::abort();
}

}  // namespace ppc::vmm
