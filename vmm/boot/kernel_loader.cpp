#include "boot/kernel_loader.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/hex.h"
#include "base/unique_fd.h"

namespace ppc::vmm {
namespace {

// The <elf.h> structs give field offsets and widths; the file's bytes are never cast to them
// because they may be unaligned and in the other byte order.
static_assert(sizeof(Elf64_Ehdr) == 64 && sizeof(Elf64_Phdr) == 56);
constexpr size_t kEhdrSize = sizeof(Elf64_Ehdr);
constexpr size_t kPhdrSize = sizeof(Elf64_Phdr);

// vmlinux is linked at 0xc000000000000000; the kernel's __pa drops the top 4 bits, and so do we
// for any p_paddr or untranslatable e_entry that carries them.
constexpr uint64_t kPhysMask = 0x0fffffffffffffffULL;

// One ELF structure's bytes, read field by field in the file's byte order.
class Fields {
 public:
  Fields(std::span<const uint8_t> bytes, bool big_endian) : bytes_(bytes), big_endian_(big_endian) {}

  // offset comes from offsetof() on the matching <elf.h> struct, whose whole size the caller
  // has already checked against the file.
  template <typename T>
  T get(size_t offset) const {
    const auto field = bytes_.subspan(offset, sizeof(T));
    uint64_t value = 0;
    for (size_t i = 0; i < sizeof(T); ++i) value = (value << 8) | field[big_endian_ ? i : sizeof(T) - 1 - i];
    return static_cast<T>(value);
  }

 private:
  std::span<const uint8_t> bytes_;
  bool big_endian_;
};

struct Segment {
  size_t index;  // program header index, as `readelf -l` numbers it
  uint64_t offset;
  uint64_t filesz;
  uint64_t vaddr;
  uint64_t paddr;  // already masked to a guest physical address
  uint64_t memsz;
};

bool has_elf_magic(std::span<const uint8_t> image) {
  return image.size() >= SELFMAG && std::memcmp(image.data(), ELFMAG, SELFMAG) == 0;
}

Segment read_segment(const Fields& ph, size_t index) {
  return Segment{
      .index = index,
      .offset = ph.get<Elf64_Off>(offsetof(Elf64_Phdr, p_offset)),
      .filesz = ph.get<Elf64_Xword>(offsetof(Elf64_Phdr, p_filesz)),
      .vaddr = ph.get<Elf64_Addr>(offsetof(Elf64_Phdr, p_vaddr)),
      .paddr = ph.get<Elf64_Addr>(offsetof(Elf64_Phdr, p_paddr)) & kPhysMask,
      .memsz = ph.get<Elf64_Xword>(offsetof(Elf64_Phdr, p_memsz)),
  };
}

void check_segment(const Segment& s, std::span<const uint8_t> image, const GuestMemory& mem) {
  if (s.filesz > s.memsz) throw Error("p_filesz " + hex(s.filesz) + " is larger than p_memsz " + hex(s.memsz));
  // With nothing to copy, p_offset is never used (bss-only segments may point anywhere).
  if (s.filesz > 0 && (s.offset > image.size() || s.filesz > image.size() - s.offset))
    throw Error("file range " + hex(s.offset) + "+" + hex(s.filesz) + " is outside the file (size " +
                hex(image.size()) + ")");
  if (s.memsz > 0 && !mem.contains(s.paddr, s.memsz))
    throw Error("guest range " + hex(s.paddr) + "+" + hex(s.memsz) + " is outside guest RAM (size " +
                hex(mem.size()) + ")");
}

// The ELF identification bytes: 64-bit, and the byte order every other field is read in.
bool elf64_big_endian(std::span<const uint8_t> image) {
  if (image.size() < kEhdrSize)
    throw Error("truncated ELF header (" + std::to_string(image.size()) + " bytes, need " +
                std::to_string(kEhdrSize) + ")");
  const uint8_t elf_class = image[EI_CLASS];
  if (elf_class != ELFCLASS64) throw Error("ELF class " + std::to_string(elf_class) + " is not ELFCLASS64");
  switch (image[EI_DATA]) {
    case ELFDATA2LSB: return false;
    case ELFDATA2MSB: return true;
    default: throw Error("unknown ELF data encoding " + std::to_string(image[EI_DATA]));
  }
}

// The header's type and machine, and where its program header table lies (checked in the file).
struct ProgramHeaders {
  uint64_t offset;
  uint16_t count;
};

ProgramHeaders check_elf_header(const Fields& eh, size_t image_size) {
  const auto type = eh.get<Elf64_Half>(offsetof(Elf64_Ehdr, e_type));
  if (type != ET_EXEC && type != ET_DYN)
    throw Error("ELF type " + std::to_string(type) + " is neither ET_EXEC nor ET_DYN");
  const auto machine = eh.get<Elf64_Half>(offsetof(Elf64_Ehdr, e_machine));
  if (machine != EM_PPC64)
    throw Error("e_machine " + std::to_string(machine) + " is not EM_PPC64 (" + std::to_string(EM_PPC64) + ")");
  const auto phentsize = eh.get<Elf64_Half>(offsetof(Elf64_Ehdr, e_phentsize));
  if (phentsize != kPhdrSize)
    throw Error("e_phentsize " + std::to_string(phentsize) + " is not " + std::to_string(kPhdrSize));
  const auto phnum = eh.get<Elf64_Half>(offsetof(Elf64_Ehdr, e_phnum));
  // PN_XNUM moves the real count into section header 0; a kernel never needs that many.
  if (phnum == PN_XNUM) throw Error("extended program header numbering (e_phnum PN_XNUM) is not supported");
  const auto phoff = eh.get<Elf64_Off>(offsetof(Elf64_Ehdr, e_phoff));
  const uint64_t table_size = uint64_t{phnum} * kPhdrSize;  // at most 0xfffe * 56: cannot overflow
  if (phoff > image_size || table_size > image_size - phoff)
    throw Error("program header table at file offset " + hex(phoff) + " (" + std::to_string(phnum) +
                " entries) is outside the file (size " + hex(image_size) + ")");
  return {phoff, phnum};
}

// Every PT_LOAD segment with memory, each checked before any is written, so a rejected file
// leaves guest RAM as it was.
std::vector<Segment> checked_segments(std::span<const uint8_t> image, const ProgramHeaders& table, bool big_endian,
                                      const GuestMemory& mem) {
  std::vector<Segment> segments;
  for (size_t i = 0; i < table.count; ++i) {
    const Fields ph(image.subspan(static_cast<size_t>(table.offset) + i * kPhdrSize, kPhdrSize), big_endian);
    if (ph.get<Elf64_Word>(offsetof(Elf64_Phdr, p_type)) != PT_LOAD) continue;
    const Segment s = read_segment(ph, i);
    with_context("segment " + std::to_string(i), [&] { check_segment(s, image, mem); });
    if (s.memsz > 0) segments.push_back(s);
  }
  if (segments.empty()) throw Error("no PT_LOAD segment with a non-zero p_memsz");
  return segments;
}

// e_entry through the segment whose virtual range holds it, else masked like a physical address.
uint64_t entry_point(uint64_t e_entry, const std::vector<Segment>& segments, const GuestMemory& mem) {
  uint64_t entry = e_entry & kPhysMask;
  for (const Segment& s : segments) {
    if (e_entry >= s.vaddr && e_entry - s.vaddr < s.memsz) {
      entry = e_entry - s.vaddr + s.paddr;  // inside [paddr, paddr + memsz), which is in RAM
      break;
    }
  }
  // A vCPU started outside RAM would only fault; say why now instead.
  if (!mem.contains(entry, 4))
    throw Error("entry point " + hex(e_entry) + " (guest physical " + hex(entry) + ") is outside guest RAM (size " +
                hex(mem.size()) + ")");
  return entry;
}

LoadedKernel load_elf(const GuestMemory& mem, std::span<const uint8_t> image) {
  const bool big_endian = elf64_big_endian(image);
  const Fields eh(image.first(kEhdrSize), big_endian);
  const std::vector<Segment> segments = checked_segments(image, check_elf_header(eh, image.size()), big_endian, mem);
  const uint64_t entry = entry_point(eh.get<Elf64_Addr>(offsetof(Elf64_Ehdr, e_entry)), segments, mem);
  // Segments may overlap; later program headers win, as in file order.
  uint64_t load_end = 0;
  for (const Segment& s : segments) {
    if (s.filesz > 0) mem.write(s.paddr, image.subspan(static_cast<size_t>(s.offset), static_cast<size_t>(s.filesz)));
    const auto bss = mem.slice(s.paddr + s.filesz, s.memsz - s.filesz);
    std::fill(bss.begin(), bss.end(), uint8_t{0});
    load_end = std::max(load_end, s.paddr + s.memsz);
  }
  return {big_endian ? KernelFormat::Elf64BigEndian : KernelFormat::Elf64LittleEndian, entry, load_end};
}

LoadedKernel load_raw(const GuestMemory& mem, std::span<const uint8_t> image) {
  if (!mem.contains(0, image.size()))
    throw Error("raw image of " + hex(image.size()) + " bytes does not fit in guest RAM (size " + hex(mem.size()) +
                ")");
  mem.write(0, image);
  return {KernelFormat::Raw, 0, image.size()};
}

}  // namespace

LoadedKernel load_kernel(const GuestMemory& mem, std::span<const uint8_t> image, std::string_view name,
                         bool allow_raw) {
  return with_context(name, [&] {
    if (image.empty()) throw Error("kernel image is empty");
    if (has_elf_magic(image)) return load_elf(mem, image);
    // Anything can be a "raw image"; only load one when the user said so.
    if (!allow_raw) throw Error("not an ELF64 PowerPC kernel (pass a raw image explicitly)");
    return load_raw(mem, image);
  });
}

std::string_view kernel_format_name(KernelFormat format) {
  switch (format) {
    case KernelFormat::Elf64BigEndian: return "ELF64 big-endian";
    case KernelFormat::Elf64LittleEndian: return "ELF64 little-endian";
    case KernelFormat::Raw: return "raw";
  }
  return "unknown";
}

FileImage FileImage::open(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) throw_errno("open " + path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw_errno("fstat " + path);
  if (!S_ISREG(st.st_mode)) throw Error(path + ": not a regular file");
  // mmap of length 0 fails, and an empty kernel is a mistake anyway.
  if (st.st_size == 0) throw Error(path + ": file is empty");
  const auto size = static_cast<size_t>(st.st_size);
  void* addr = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (addr == MAP_FAILED) throw_errno("mmap " + path);
  // The mapping stays valid after fd closes.
  return FileImage(ReadOnlyMapping(addr, size));
}

FileImage::ReadOnlyMapping::ReadOnlyMapping(ReadOnlyMapping&& other) noexcept
    : addr(std::exchange(other.addr, nullptr)), size(std::exchange(other.size, 0)) {}

FileImage::ReadOnlyMapping& FileImage::ReadOnlyMapping::operator=(ReadOnlyMapping&& other) noexcept {
  if (this != &other) {
    if (addr) ::munmap(const_cast<void*>(addr), size);
    addr = std::exchange(other.addr, nullptr);
    size = std::exchange(other.size, 0);
  }
  return *this;
}

FileImage::ReadOnlyMapping::~ReadOnlyMapping() {
  if (addr) ::munmap(const_cast<void*>(addr), size);
}

}  // namespace ppc::vmm
