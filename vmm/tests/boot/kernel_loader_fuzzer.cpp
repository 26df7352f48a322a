// libFuzzer target for the kernel loader: the kernel image is a file the user (or whoever
// wrote it) chose, and guest RAM is small.
//
// Input: byte 0 picks whether a raw image is allowed, the size of guest RAM (4, 16 or
// 64 KiB) and, optionally, fix-ups that make the image's ELF header valid (either byte
// order, ET_EXEC or ET_DYN) and its program header table lie right after it, so that most
// inputs reach the segments; the rest is the image. load_kernel() must never crash, read past
// the image or touch memory outside guest RAM, and may fail only with Error. An independent
// statement of the loader's contract (kernel_loader.h) says whether the image must load and,
// if so, its format, entry and end, and guest RAM's contents afterwards, byte for byte; a
// rejected image leaves RAM untouched. An accepted image never has a segment outside RAM.
// Work per input is bounded by the image's size (at most -max_len) and RAM's.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "base/error.h"
#include "boot/kernel_loader.h"
#include "memory/guest_memory.h"
#include "memory/ram_guard_pages.h"

namespace {

using ppc::Error;
using ppc::vmm::GuestMemory;
using ppc::vmm::KernelFormat;
using ppc::vmm::LoadedKernel;

constexpr uint8_t kFill = 0xa5;  // RAM's contents before each load, so that zeroing shows
constexpr uint64_t kPhysMask = 0x0fffffffffffffffULL;
constexpr size_t kEhdr = 64, kPhdr = 56;
constexpr uint16_t kEtExec = 2, kEtDyn = 3, kEmPpc64 = 21, kPnXnum = 0xffff;
constexpr uint32_t kPtLoad = 1;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "kernel_loader_fuzzer: %s\n", what);
  std::abort();
}

// Fields of the image in its byte order; offsets are checked by the caller.
struct Image {
  const std::vector<uint8_t>& bytes;
  bool big_endian;
  uint64_t get(uint64_t offset, unsigned width) const {
    uint64_t v = 0;
    for (unsigned i = 0; i < width; ++i) v = (v << 8) | bytes[offset + (big_endian ? i : width - 1 - i)];
    return v;
  }
};

void put(std::vector<uint8_t>& bytes, bool big_endian, size_t offset, unsigned width, uint64_t v) {
  for (unsigned i = 0; i < width; ++i)
    bytes[offset + (big_endian ? width - 1 - i : i)] = static_cast<uint8_t>(v >> (8 * i));
}

struct Expected {
  KernelFormat format;
  uint64_t entry;
  uint64_t load_end;
  std::vector<uint8_t> ram;
};

struct Load {
  uint64_t offset, filesz, paddr, vaddr, memsz;
};

// Whether [a, a + b) fits in [0, limit), without overflow.
bool fits(uint64_t a, uint64_t b, uint64_t limit) { return static_cast<unsigned __int128>(a) + b <= limit; }

// The loader's contract, restated: what must happen to this image in a RAM of ram_size bytes.
std::optional<Expected> expected_load(const std::vector<uint8_t>& image, uint64_t ram_size, bool allow_raw) {
  if (image.empty()) return std::nullopt;
  const bool elf = image.size() >= 4 && image[0] == 0x7f && image[1] == 'E' && image[2] == 'L' && image[3] == 'F';
  if (!elf) {
    if (!allow_raw || image.size() > ram_size) return std::nullopt;
    Expected e{KernelFormat::Raw, 0, image.size(), std::vector<uint8_t>(ram_size, kFill)};
    std::copy(image.begin(), image.end(), e.ram.begin());
    return e;
  }
  // An ELF file is loaded as ELF or not at all, whatever allow_raw says.
  if (image.size() < kEhdr || image[4] != 2 || (image[5] != 1 && image[5] != 2)) return std::nullopt;
  const Image f{image, image[5] == 2};
  const uint64_t type = f.get(16, 2), machine = f.get(18, 2), phentsize = f.get(54, 2), phnum = f.get(56, 2);
  const uint64_t phoff = f.get(32, 8), e_entry = f.get(24, 8);
  if ((type != kEtExec && type != kEtDyn) || machine != kEmPpc64 || phentsize != kPhdr || phnum == kPnXnum) return std::nullopt;
  if (!fits(phoff, phnum * kPhdr, image.size())) return std::nullopt;
  std::vector<Load> loads;
  for (uint64_t i = 0; i < phnum; ++i) {
    const uint64_t ph = phoff + i * kPhdr;
    if (f.get(ph, 4) != kPtLoad) continue;
    const Load l{f.get(ph + 8, 8), f.get(ph + 32, 8), f.get(ph + 24, 8) & kPhysMask, f.get(ph + 16, 8), f.get(ph + 40, 8)};
    if (l.filesz > l.memsz) return std::nullopt;
    if (l.filesz > 0 && !fits(l.offset, l.filesz, image.size())) return std::nullopt;
    if (l.memsz > 0 && !fits(l.paddr, l.memsz, ram_size)) return std::nullopt;
    if (l.memsz > 0) loads.push_back(l);
  }
  if (loads.empty()) return std::nullopt;
  uint64_t entry = e_entry & kPhysMask;
  for (const Load& l : loads) {
    if (e_entry >= l.vaddr && static_cast<unsigned __int128>(e_entry) < static_cast<unsigned __int128>(l.vaddr) + l.memsz) {
      entry = l.paddr + (e_entry - l.vaddr);
      break;
    }
  }
  if (!fits(entry, 4, ram_size)) return std::nullopt;
  Expected e{f.big_endian ? KernelFormat::Elf64BigEndian : KernelFormat::Elf64LittleEndian, entry, 0,
             std::vector<uint8_t>(ram_size, kFill)};
  for (const Load& l : loads) {  // in program header order: a later segment wins where they overlap
    if (l.filesz > 0)  // only then is p_offset in the file
      std::copy_n(image.begin() + static_cast<ptrdiff_t>(l.offset), l.filesz, e.ram.begin() + static_cast<ptrdiff_t>(l.paddr));
    std::fill_n(e.ram.begin() + static_cast<ptrdiff_t>(l.paddr + l.filesz), l.memsz - l.filesz, uint8_t{0});
    e.load_end = std::max(e.load_end, l.paddr + l.memsz);
  }
  return e;
}

// Makes the header one the loader accepts as far as the segments: identification, type,
// machine and entry size; and, when asked, the program header table right after the header
// with as many entries as the image holds (at most 8).
void fix_header(std::vector<uint8_t>& image, uint8_t mode) {
  if (image.size() < kEhdr) return;
  const bool big_endian = mode & 0x10;
  const uint8_t ident[] = {0x7f, 'E', 'L', 'F', 2, static_cast<uint8_t>(big_endian ? 2 : 1)};
  std::copy(std::begin(ident), std::end(ident), image.begin());
  put(image, big_endian, 16, 2, (mode & 0x20) ? kEtDyn : kEtExec);
  put(image, big_endian, 18, 2, kEmPpc64);
  put(image, big_endian, 54, 2, kPhdr);
  if (mode & 0x40) {
    put(image, big_endian, 32, 8, kEhdr);
    put(image, big_endian, 56, 2, std::min<uint64_t>((image.size() - kEhdr) / kPhdr, 8));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::array<std::unique_ptr<GuestMemory>, 3> rams = {
      ppc::vmm::make_guarded_ram(4096), ppc::vmm::make_guarded_ram(16 * 1024), ppc::vmm::make_guarded_ram(64 * 1024)};
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  const bool allow_raw = mode & 1;
  GuestMemory& mem = *rams[std::min((mode >> 1) & 3, 2)];
  // A heap copy of exactly the image's size: ASan catches any read past its end.
  std::vector<uint8_t> image(data + 1, data + size);
  if (mode & 0x08) fix_header(image, mode);

  const std::optional<Expected> want = expected_load(image, mem.size(), allow_raw);
  std::memset(mem.host_base(), kFill, mem.size());
  std::optional<LoadedKernel> got;
  try {
    got = ppc::vmm::load_kernel(mem, image, "vmlinux", allow_raw);
  } catch (const Error& e) {
    if (std::strncmp(e.what(), "vmlinux: ", 9) != 0) fail("an error does not name the image");
  }

  const uint8_t* ram = mem.host_base();
  if (!got) {
    if (want) fail("rejected an image the contract says loads");
    if (std::any_of(ram, ram + mem.size(), [](uint8_t b) { return b != kFill; })) fail("a rejected image changed guest RAM");
    return 0;
  }
  if (!want) fail("loaded an image the contract rejects");
  if (got->format != want->format) fail("wrong format");
  if (got->entry != want->entry) fail("wrong entry point");
  if (got->load_end != want->load_end) fail("wrong load end");
  // Whatever was loaded lies in RAM: the entry's instruction and everything up to load_end.
  if (got->load_end > mem.size() || got->entry > mem.size() - 4) fail("accepted an image that reaches outside RAM");
  if (std::memcmp(ram, want->ram.data(), mem.size())) fail("guest RAM differs from the segments' contents");
  return 0;
}
