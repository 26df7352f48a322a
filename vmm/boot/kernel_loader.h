#pragma once
// Puts the guest kernel into guest RAM: an ELF64 PowerPC vmlinux of either byte order, or a
// raw binary. The file is untrusted input, so every header field is checked before use.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "memory/guest_memory.h"

namespace ppc::vmm {

enum class KernelFormat { Elf64BigEndian, Elf64LittleEndian, Raw };

struct LoadedKernel {
  KernelFormat format;
  uint64_t entry;     // guest physical address where the vCPU starts
  uint64_t load_end;  // first guest physical byte after everything loaded (incl. bss), for placing initrd/FDT above it
};

// Loads a kernel image into guest RAM. `image` is the whole file; `name` prefixes every error.
// ELF: ELFCLASS64, EM_PPC64, either data encoding, ET_EXEC or ET_DYN. Each PT_LOAD goes to its
//   p_paddr with the top 4 bits masked off (as the kernel's __pa does); p_filesz bytes are copied
//   and the rest up to p_memsz zeroed. The entry is e_entry translated through the PT_LOAD whose
//   virtual range contains it, else e_entry masked the same way. All segments are checked before
//   any byte is written, so a rejected file leaves guest RAM untouched.
// Raw (allow_raw and the file does not start with "\x7fELF"): the whole file at 0, entry 0.
LoadedKernel load_kernel(const GuestMemory& mem, std::span<const uint8_t> image, std::string_view name,
                         bool allow_raw);

// "ELF64 big-endian", "ELF64 little-endian" or "raw".
std::string_view kernel_format_name(KernelFormat format);

// A regular, non-empty file mapped read-only. Keep the object alive while using bytes().
class FileImage {
 public:
  // Errors name the path.
  static FileImage open(const std::string& path);

  std::span<const uint8_t> bytes() const { return {static_cast<const uint8_t*>(map_.addr), map_.size}; }

 private:
  // base/Mapping only makes writable mappings; this one owns a PROT_READ file mapping.
  struct ReadOnlyMapping {
    ReadOnlyMapping(const void* a, size_t s) : addr(a), size(s) {}
    ReadOnlyMapping(ReadOnlyMapping&& other) noexcept;
    ReadOnlyMapping& operator=(ReadOnlyMapping&& other) noexcept;
    ReadOnlyMapping(const ReadOnlyMapping&) = delete;
    ReadOnlyMapping& operator=(const ReadOnlyMapping&) = delete;
    ~ReadOnlyMapping();

    const void* addr = nullptr;
    size_t size = 0;
  };

  explicit FileImage(ReadOnlyMapping map) : map_(std::move(map)) {}
  ReadOnlyMapping map_;
};

}  // namespace ppc::vmm
