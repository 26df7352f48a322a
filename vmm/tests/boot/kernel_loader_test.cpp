#include "boot/kernel_loader.h"

#include <elf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/hex.h"

namespace ppc::vmm {
namespace {

constexpr uint64_t kRamSize = 1 << 20;

// One program header; p_offset and p_filesz follow `data` unless overridden.
struct TestSegment {
  uint32_t type = PT_LOAD;
  uint64_t vaddr = 0;
  uint64_t paddr = 0;
  uint64_t memsz = 0;
  std::vector<uint8_t> data;
  std::optional<uint64_t> offset;
  std::optional<uint64_t> filesz;
};

// A minimal ELF64 file: header, program headers right after it, then each segment's data.
struct TestElf {
  bool big_endian = false;
  uint8_t elf_class = ELFCLASS64;
  uint16_t type = ET_EXEC;
  uint16_t machine = EM_PPC64;
  uint16_t phentsize = 56;
  uint64_t entry = 0;
  std::optional<uint64_t> phoff;
  std::vector<TestSegment> segments;

  void put(std::vector<uint8_t>& out, size_t at, uint64_t value, size_t width) const {
    for (size_t i = 0; i < width; ++i) {
      const size_t shift = 8 * (big_endian ? width - 1 - i : i);
      out[at + i] = static_cast<uint8_t>(value >> shift);
    }
  }

  std::vector<uint8_t> build() const {
    std::vector<uint8_t> out(64 + 56 * segments.size());
    std::memcpy(out.data(), ELFMAG, SELFMAG);
    out[EI_CLASS] = elf_class;
    out[EI_DATA] = big_endian ? ELFDATA2MSB : ELFDATA2LSB;
    out[EI_VERSION] = EV_CURRENT;
    put(out, 16, type, 2);
    put(out, 18, machine, 2);
    put(out, 20, EV_CURRENT, 4);
    put(out, 24, entry, 8);
    put(out, 32, phoff.value_or(64), 8);
    put(out, 52, 64, 2);
    put(out, 54, phentsize, 2);
    put(out, 56, segments.size(), 2);
    for (size_t i = 0; i < segments.size(); ++i) {
      const TestSegment& s = segments[i];
      const size_t ph = 64 + 56 * i;
      put(out, ph + 0, s.type, 4);
      put(out, ph + 8, s.offset.value_or(out.size()), 8);
      put(out, ph + 16, s.vaddr, 8);
      put(out, ph + 24, s.paddr, 8);
      put(out, ph + 32, s.filesz.value_or(s.data.size()), 8);
      put(out, ph + 40, s.memsz, 8);
      out.insert(out.end(), s.data.begin(), s.data.end());
    }
    return out;
  }
};

std::vector<uint8_t> bytes(std::initializer_list<uint8_t> list) { return list; }

// The Error message load_kernel throws, or "" when it loads.
std::string load_error(const GuestMemory& mem, const std::vector<uint8_t>& image, bool allow_raw = false) {
  try {
    load_kernel(mem, image, "vmlinux", allow_raw);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(KernelLoader, LittleEndianElfLoadsAtPaddrWithBssZeroed) {
  GuestMemory mem(kRamSize);
  std::memset(mem.host_base(), 0xaa, kRamSize);
  TestElf elf{.entry = 0x10004};
  elf.segments.push_back({.vaddr = 0x10000, .paddr = 0x10000, .memsz = 0x100, .data = bytes({1, 2, 3, 4, 5, 6, 7, 8})});
  const LoadedKernel k = load_kernel(mem, elf.build(), "vmlinux", false);
  EXPECT_EQ(k.format, KernelFormat::Elf64LittleEndian);
  EXPECT_EQ(k.entry, 0x10004u);
  EXPECT_EQ(k.load_end, 0x10100u);
  const uint8_t* p = mem.host_base() + 0x10000;
  EXPECT_EQ(p[0], 1);
  EXPECT_EQ(p[7], 8);
  for (size_t i = 8; i < 0x100; ++i) ASSERT_EQ(p[i], 0) << "bss byte " << i;
  EXPECT_EQ(p[0x100], 0xaa) << "wrote past p_memsz";
  EXPECT_EQ(p[-1], 0xaa) << "wrote before p_paddr";
}

TEST(KernelLoader, BigEndianElfWithTwoSegmentsTranslatesEntry) {
  GuestMemory mem(kRamSize);
  TestElf elf{.big_endian = true, .type = ET_DYN, .entry = 0x2000010};
  elf.segments.push_back({.vaddr = 0x1000000, .paddr = 0x1000, .memsz = 4, .data = bytes({0xde, 0xad, 0xbe, 0xef})});
  elf.segments.push_back({.type = PT_NOTE, .data = bytes({9, 9})});
  elf.segments.push_back({.vaddr = 0x2000000, .paddr = 0x8000, .memsz = 0x2000, .data = bytes({0x44, 0, 0, 0x22})});
  const LoadedKernel k = load_kernel(mem, elf.build(), "vmlinux", false);
  EXPECT_EQ(k.format, KernelFormat::Elf64BigEndian);
  EXPECT_EQ(k.entry, 0x8010u);
  EXPECT_EQ(k.load_end, 0xa000u);
  EXPECT_EQ(mem.load_be32(0x1000), 0xdeadbeefu);
  EXPECT_EQ(mem.load_be32(0x8000), 0x44000022u);
}

TEST(KernelLoader, VmlinuxStyleVaddrLoadsAtPaddrZero) {
  GuestMemory mem(kRamSize);
  TestElf elf{.entry = 0xc000000000000000};
  elf.segments.push_back({.vaddr = 0xc000000000000000, .paddr = 0, .memsz = 0x4000, .data = bytes({0x48, 0, 1, 0})});
  const LoadedKernel k = load_kernel(mem, elf.build(), "vmlinux", false);
  EXPECT_EQ(k.entry, 0u);
  EXPECT_EQ(k.load_end, 0x4000u);
  EXPECT_EQ(mem.host_base()[0], 0x48);
}

TEST(KernelLoader, TopBitsOfPaddrAndUntranslatableEntryAreMasked) {
  GuestMemory mem(kRamSize);
  TestElf elf{.entry = 0xc000000000030000};  // in no segment's virtual range
  elf.segments.push_back({.vaddr = 0xc000000000020000, .paddr = 0xc000000000020000, .memsz = 0x10, .data = bytes({7})});
  const LoadedKernel k = load_kernel(mem, elf.build(), "vmlinux", false);
  EXPECT_EQ(mem.host_base()[0x20000], 7);
  EXPECT_EQ(k.entry, 0x30000u);
  EXPECT_EQ(k.load_end, 0x20010u);
}

TEST(KernelLoader, OverlappingSegmentsLoadInProgramHeaderOrder) {
  GuestMemory mem(kRamSize);
  TestElf elf;
  elf.segments.push_back({.paddr = 0x100, .memsz = 4, .data = bytes({1, 1, 1, 1})});
  elf.segments.push_back({.paddr = 0x102, .memsz = 4, .data = bytes({2, 2})});
  const LoadedKernel k = load_kernel(mem, elf.build(), "vmlinux", false);
  const uint8_t* p = mem.host_base() + 0x100;
  EXPECT_EQ(p[1], 1);
  EXPECT_EQ(p[2], 2);
  EXPECT_EQ(p[5], 0);
  EXPECT_EQ(k.load_end, 0x106u);
}

TEST(KernelLoader, RawImageLoadsAtZeroWhenAllowed) {
  GuestMemory mem(kRamSize);
  const std::vector<uint8_t> raw{0x7f, 'E', 'L', 0, 0x60, 0, 0, 0};  // almost, but not, ELF magic
  const LoadedKernel k = load_kernel(mem, raw, "zImage", true);
  EXPECT_EQ(k.format, KernelFormat::Raw);
  EXPECT_EQ(k.entry, 0u);
  EXPECT_EQ(k.load_end, raw.size());
  EXPECT_EQ(std::memcmp(mem.host_base(), raw.data(), raw.size()), 0);
  EXPECT_EQ(load_error(mem, std::vector<uint8_t>(kRamSize + 1, 1), true),
            "vmlinux: raw image of 0x100001 bytes does not fit in guest RAM (size 0x100000)");
}

TEST(KernelLoader, NonElfWithoutAllowRawIsRejected) {
  GuestMemory mem(kRamSize);
  EXPECT_EQ(load_error(mem, bytes({'M', 'Z', 0, 0})), "vmlinux: not an ELF64 PowerPC kernel (pass a raw image explicitly)");
}

TEST(KernelLoader, EmptyImageIsRejected) {
  GuestMemory mem(kRamSize);
  EXPECT_EQ(load_error(mem, {}), "vmlinux: kernel image is empty");
  EXPECT_EQ(load_error(mem, {}, true), "vmlinux: kernel image is empty");
}

TEST(KernelLoader, TruncatedHeaderIsRejectedEvenWithAllowRaw) {
  GuestMemory mem(kRamSize);
  TestElf elf;
  elf.segments.push_back({.memsz = 1, .data = bytes({1})});
  std::vector<uint8_t> image = elf.build();
  image.resize(40);
  EXPECT_EQ(load_error(mem, image, true), "vmlinux: truncated ELF header (40 bytes, need 64)");
}

TEST(KernelLoader, ProgramHeaderTableOutsideTheFileIsRejected) {
  GuestMemory mem(kRamSize);
  TestElf elf;
  elf.segments.push_back({.memsz = 1, .data = bytes({1})});
  const size_t size = elf.build().size();
  elf.phoff = size - 10;
  EXPECT_EQ(load_error(mem, elf.build()), "vmlinux: program header table at file offset " + hex(size - 10) +
                                              " (1 entries) is outside the file (size " + hex(size) + ")");
  elf.phoff = UINT64_MAX - 8;  // phoff + table size wraps around
  EXPECT_NE(load_error(mem, elf.build()).find("program header table at file offset 0xfffffffffffffff7"),
            std::string::npos);
}

TEST(KernelLoader, WrongProgramHeaderEntrySizeIsRejected) {
  GuestMemory mem(kRamSize);
  TestElf elf{.phentsize = 32};
  elf.segments.push_back({.memsz = 1, .data = bytes({1})});
  EXPECT_EQ(load_error(mem, elf.build()), "vmlinux: e_phentsize 32 is not 56");
}

TEST(KernelLoader, SegmentFileRangeOverflowIsRejected) {
  GuestMemory mem(kRamSize);
  TestElf elf;
  elf.segments.push_back({.memsz = 0x20, .offset = UINT64_MAX - 4, .filesz = 16});
  EXPECT_EQ(load_error(mem, elf.build()),
            "vmlinux: segment 0: file range 0xfffffffffffffffb+0x10 is outside the file (size 0x78)");
  elf.segments[0].offset = 0x70;  // starts inside the file, ends past it
  EXPECT_NE(load_error(mem, elf.build()).find("file range 0x70+0x10 is outside the file"), std::string::npos);
}

TEST(KernelLoader, FileszLargerThanMemszIsRejected) {
  GuestMemory mem(kRamSize);
  TestElf elf;
  elf.segments.push_back({.memsz = 2, .data = bytes({1, 2, 3, 4})});
  EXPECT_EQ(load_error(mem, elf.build()), "vmlinux: segment 0: p_filesz 0x4 is larger than p_memsz 0x2");
}

TEST(KernelLoader, SegmentPastGuestRamNamesSegmentAndAddressAndWritesNothing) {
  GuestMemory mem(kRamSize);
  TestElf elf;
  elf.segments.push_back({.paddr = 0x1000, .memsz = 4, .data = bytes({1, 2, 3, 4})});
  elf.segments.push_back({.type = PT_NOTE});
  elf.segments.push_back({.paddr = 0xfff00, .memsz = 0x200, .data = bytes({5})});
  EXPECT_EQ(load_error(mem, elf.build()),
            "vmlinux: segment 2: guest range 0xfff00+0x200 is outside guest RAM (size 0x100000)");
  EXPECT_EQ(mem.host_base()[0x1000], 0) << "segment 0 was written before segment 2 was checked";
  elf.segments[2].paddr = 0x0fffffffffffff00;  // paddr + memsz wraps around
  EXPECT_NE(load_error(mem, elf.build()).find("segment 2: guest range 0xfffffffffffff00+0x200 is outside guest RAM"),
            std::string::npos);
}

TEST(KernelLoader, EntryOutsideGuestRamIsRejected) {
  GuestMemory mem(kRamSize);
  TestElf elf{.entry = 0x200000};
  elf.segments.push_back({.memsz = 4, .data = bytes({1})});
  EXPECT_EQ(load_error(mem, elf.build()),
            "vmlinux: entry point 0x200000 (guest physical 0x200000) is outside guest RAM (size 0x100000)");
}

TEST(KernelLoader, WrongMachineIsRejected) {
  GuestMemory mem(kRamSize);
  TestElf elf{.machine = EM_X86_64};
  elf.segments.push_back({.memsz = 1, .data = bytes({1})});
  EXPECT_EQ(load_error(mem, elf.build(), true), "vmlinux: e_machine 62 is not EM_PPC64 (21)");
  elf.machine = EM_PPC;
  EXPECT_EQ(load_error(mem, elf.build()), "vmlinux: e_machine 20 is not EM_PPC64 (21)");
}

TEST(KernelLoader, Elf32AndBadEncodingAndRelocatableAreRejected) {
  GuestMemory mem(kRamSize);
  TestElf elf{.elf_class = ELFCLASS32};
  elf.segments.push_back({.memsz = 1, .data = bytes({1})});
  EXPECT_EQ(load_error(mem, elf.build(), true), "vmlinux: ELF class 1 is not ELFCLASS64");
  elf.elf_class = ELFCLASS64;
  std::vector<uint8_t> image = elf.build();
  image[EI_DATA] = 3;
  EXPECT_EQ(load_error(mem, image), "vmlinux: unknown ELF data encoding 3");
  elf.type = ET_REL;
  EXPECT_EQ(load_error(mem, elf.build()), "vmlinux: ELF type 1 is neither ET_EXEC nor ET_DYN");
}

TEST(KernelLoader, NoLoadableSegmentIsRejected) {
  GuestMemory mem(kRamSize);
  TestElf elf;
  EXPECT_EQ(load_error(mem, elf.build()), "vmlinux: no PT_LOAD segment with a non-zero p_memsz");
  elf.segments.push_back({.type = PT_NOTE, .memsz = 4, .data = bytes({1, 2, 3, 4})});
  elf.segments.push_back({.type = PT_LOAD, .paddr = 0x5000000, .memsz = 0});
  EXPECT_EQ(load_error(mem, elf.build()), "vmlinux: no PT_LOAD segment with a non-zero p_memsz");
}

TEST(KernelLoader, FormatNames) {
  EXPECT_EQ(kernel_format_name(KernelFormat::Elf64BigEndian), "ELF64 big-endian");
  EXPECT_EQ(kernel_format_name(KernelFormat::Elf64LittleEndian), "ELF64 little-endian");
  EXPECT_EQ(kernel_format_name(KernelFormat::Raw), "raw");
}

// A file in the test's temporary directory, removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(const std::vector<uint8_t>& contents) : path_(::testing::TempDir() + "kernel_loader_XXXXXX") {
    const int fd = ::mkstemp(path_.data());
    if (fd < 0) throw_errno("mkstemp " + path_);
    const bool ok = contents.empty() || ::write(fd, contents.data(), contents.size()) == ssize_t(contents.size());
    ::close(fd);
    if (!ok) throw Error("short write to " + path_);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() { ::unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string open_error(const std::string& path) {
  try {
    FileImage::open(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(FileImage, MissingPathNamesThePath) {
  const std::string path = ::testing::TempDir() + "no-such-vmlinux";
  const std::string error = open_error(path);
  EXPECT_NE(error.find(path), std::string::npos) << error;
  EXPECT_NE(error.find("No such file"), std::string::npos) << error;
}

TEST(FileImage, RegularFileRoundTripsThroughLoadKernel) {
  TestElf elf{.big_endian = true, .entry = 0xc000000000000100};
  elf.segments.push_back({.vaddr = 0xc000000000000000, .memsz = 0x200, .data = bytes({0x60, 0, 0, 0})});
  const std::vector<uint8_t> contents = elf.build();
  TempFile file(contents);
  const FileImage image = FileImage::open(file.path());
  ASSERT_EQ(image.bytes().size(), contents.size());
  EXPECT_EQ(std::memcmp(image.bytes().data(), contents.data(), contents.size()), 0);
  GuestMemory mem(kRamSize);
  const LoadedKernel k = load_kernel(mem, image.bytes(), file.path(), false);
  EXPECT_EQ(k.format, KernelFormat::Elf64BigEndian);
  EXPECT_EQ(k.entry, 0x100u);
  EXPECT_EQ(mem.load_be32(0), 0x60000000u);
}

TEST(FileImage, EmptyFileAndDirectoryAreRejected) {
  TempFile empty({});
  EXPECT_EQ(open_error(empty.path()), empty.path() + ": file is empty");
  const std::string dir = ::testing::TempDir();
  EXPECT_EQ(open_error(dir), dir + ": not a regular file");
}

}  // namespace
}  // namespace ppc::vmm
