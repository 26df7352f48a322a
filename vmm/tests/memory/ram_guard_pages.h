#pragma once
// For fuzzers: guest RAM with an inaccessible page right below and right above its host
// mapping, so that a stray access just outside RAM faults at once instead of landing in
// whatever mapping happens to be next (ASan does not check accesses to mmap()ed memory).
// GuestMemory makes its own mapping, so it cannot be told where to go: each try reserves
// RAM's size plus two pages and opens a hole of exactly RAM's size between the two guard
// pages; the kernel places a mapping in the highest gap it fits, usually that hole. When RAM
// lands in a higher gap, that RAM is kept (the gap stays filled) with the hole, and any hole
// opened so far counts: the tries converge on a guarded one. (Placing a guard above first and
// hoping RAM lands right below it failed about one run in eight: the one-page guard kept
// filling a small hole elsewhere, and it was unmapped again before every retry.)
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
  std::vector<uintptr_t> holes;  // each between two guard pages that stay for the process's life
  std::vector<std::unique_ptr<GuestMemory>> misplaced;  // held until the end: their gaps stay filled
  for (int attempt = 0; attempt < 64; ++attempt) {
    void* reserved = ::mmap(nullptr, size + 2 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (reserved == MAP_FAILED) break;
    const uintptr_t hole = reinterpret_cast<uintptr_t>(reserved) + page;
    if (::munmap(reinterpret_cast<void*>(hole), size) != 0) break;
    holes.push_back(hole);
    auto mem = std::make_unique<GuestMemory>(size);
    const uintptr_t base = reinterpret_cast<uintptr_t>(mem->host_base());
    for (uintptr_t h : holes) {
      if (h == base) return mem;
    }
    misplaced.push_back(std::move(mem));
  }
  std::fprintf(stderr, "make_guarded_ram: could not place guard pages around %llu bytes of RAM\n",
               static_cast<unsigned long long>(size));
  std::abort();
}

}  // namespace ppc::vmm
