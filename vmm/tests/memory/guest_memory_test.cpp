#include "memory/guest_memory.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <array>
#include <cstdint>
#include <string>

#include "base/error.h"

namespace ppc::vmm {
namespace {

constexpr uint64_t kSize = 1 << 20;

TEST(GuestMemory, ContainsChecksBothEndsAndWrapAround) {
  GuestMemory mem(kSize);
  EXPECT_TRUE(mem.contains(0, kSize));
  EXPECT_TRUE(mem.contains(kSize, 0));
  EXPECT_TRUE(mem.contains(kSize - 8, 8));
  EXPECT_FALSE(mem.contains(kSize - 8, 9));
  EXPECT_FALSE(mem.contains(kSize + 1, 0));
  EXPECT_FALSE(mem.contains(8, UINT64_MAX));
  EXPECT_FALSE(mem.contains(UINT64_MAX, 2));
}

TEST(GuestMemory, OutOfRangeAccessNamesTheGuestAddress) {
  GuestMemory mem(kSize);
  try {
    mem.load_be32(kSize - 2);
    FAIL() << "read past the end of RAM";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "guest range 0xffffe+0x4 is outside guest RAM (size 0x100000)");
  }
  EXPECT_THROW(mem.store_be64(UINT64_MAX - 3, 1), Error);
  std::array<uint8_t, 16> buf{};
  EXPECT_THROW(mem.read(kSize - 15, buf), Error);
  EXPECT_THROW(mem.write(kSize, buf), Error);
}

TEST(GuestMemory, BigEndianStoresLandInGuestByteOrder) {
  GuestMemory mem(kSize);
  mem.store_be32(0x100, 0x44000022);  // sc 1
  const uint8_t* p = mem.host_base() + 0x100;
  EXPECT_EQ(p[0], 0x44);
  EXPECT_EQ(p[3], 0x22);
  EXPECT_EQ(mem.load_be32(0x100), 0x44000022u);
  mem.store_be64(0x200, 0x0102030405060708ull);
  EXPECT_EQ(mem.host_base()[0x200], 0x01);
  EXPECT_EQ(mem.load_be64(0x200), 0x0102030405060708ull);
}

TEST(GuestMemory, WriteThenReadRoundTrips) {
  GuestMemory mem(kSize);
  const std::array<uint8_t, 4> in{1, 2, 3, 4};
  mem.write(kSize - 4, in);
  std::array<uint8_t, 4> out{};
  mem.read(kSize - 4, out);
  EXPECT_EQ(in, out);
}

TEST(GuestMemory, ZeroSizeIsRefused) {
  EXPECT_THROW(GuestMemory(0), Error);
  EXPECT_THROW(GuestMemory(0, RamBacking::Shared), Error);
}

TEST(GuestMemory, PrivateRamHasNoFd) { EXPECT_EQ(GuestMemory(kSize).fd(), -1); }

TEST(GuestMemory, SharedRamIsAMemfdAnotherMappingSees) {
  GuestMemory mem(kSize, RamBacking::Shared);
  ASSERT_GE(mem.fd(), 0);
  struct stat st {};
  ASSERT_EQ(::fstat(mem.fd(), &st), 0);
  EXPECT_EQ(static_cast<uint64_t>(st.st_size), kSize);
  EXPECT_NE(::fcntl(mem.fd(), F_GETFD) & FD_CLOEXEC, 0);
  // What a vhost-user backend does with the fd: its own MAP_SHARED mapping of the same pages.
  void* other = ::mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_SHARED, mem.fd(), 0);
  ASSERT_NE(other, MAP_FAILED);
  auto* bytes = static_cast<uint8_t*>(other);
  mem.store_le32(0x1000, 0x11223344);
  EXPECT_EQ(bytes[0x1000], 0x44);
  bytes[kSize - 1] = 0xa5;
  std::array<uint8_t, 1> out{};
  mem.read(kSize - 1, out);
  EXPECT_EQ(out[0], 0xa5);
  ::munmap(other, kSize);
}

TEST(GuestMemory, SharedRamCannotBeResizedOrUnsealed) {
  GuestMemory mem(kSize, RamBacking::Shared);
  const int seals = ::fcntl(mem.fd(), F_GET_SEALS);
  EXPECT_EQ(seals & (F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL), F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
  EXPECT_EQ(seals & F_SEAL_WRITE, 0);  // the guest and the backend write to it
  errno = 0;
  EXPECT_EQ(::ftruncate(mem.fd(), kSize / 2), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_EQ(::ftruncate(mem.fd(), kSize * 2), -1);
  EXPECT_EQ(::fcntl(mem.fd(), F_ADD_SEALS, F_SEAL_WRITE), -1);
}

// A restored guest's RAM: the saved bytes, read on first touch; its writes never reach the
// saved file, which the next restore reads again.
TEST(GuestMemory, CopyOnWriteRamStartsAsTheFileAndLeavesItAlone) {
  char path[] = "/tmp/guest-ram-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, kSize), 0);
  const uint8_t saved = 0x5a;
  ASSERT_EQ(::pwrite(fd, &saved, 1, 4096), 1);
  {
    GuestMemory mem = GuestMemory::copy_on_write_of(fd, kSize);
    EXPECT_EQ(mem.fd(), -1);  // private RAM: no vhost-user backend can map it
    std::array<uint8_t, 2> out{};
    mem.read(4095, out);
    EXPECT_EQ(out[0], 0);
    EXPECT_EQ(out[1], 0x5a);
    mem.write(4096, std::array<uint8_t, 1>{0x77});
    mem.read(4096, std::span(out).first(1));
    EXPECT_EQ(out[0], 0x77);
  }
  uint8_t on_disk = 0;
  ASSERT_EQ(::pread(fd, &on_disk, 1, 4096), 1);
  EXPECT_EQ(on_disk, 0x5a);
  ::close(fd);
  ::unlink(path);
}

// A restored guest with a vhost-user device: its RAM is a memfd holding the saved bytes, the
// file's holes read as zeros, and its writes never reach the file.
TEST(GuestMemory, ASharedCopyHoldsTheFilesBytesInAMemfd) {
  char path[] = "/tmp/guest-ram-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, kSize), 0);
  const std::array<uint8_t, 3> saved{0x5a, 0x5b, 0x5c};
  ASSERT_EQ(::pwrite(fd, saved.data(), 1, 4096), 1);
  ASSERT_EQ(::pwrite(fd, saved.data() + 1, 2, kSize - 2), 2);  // the last bytes
  {
    uint64_t copied = 0;
    GuestMemory mem = GuestMemory::shared_copy_of(fd, kSize, &copied);
    ASSERT_GE(mem.fd(), 0);
    // The data extents only (a file system may round them up to its blocks, never the whole).
    EXPECT_GE(copied, 3u);
    EXPECT_LT(copied, kSize);
    std::array<uint8_t, 2> out{};
    mem.read(4095, out);
    EXPECT_EQ(out, (std::array<uint8_t, 2>{0, 0x5a}));
    mem.read(kSize - 2, out);
    EXPECT_EQ(out, (std::array<uint8_t, 2>{0x5b, 0x5c}));
    uint8_t through_fd = 0;
    ASSERT_EQ(::pread(mem.fd(), &through_fd, 1, 4096), 1);  // what a backend mapping the memfd sees
    EXPECT_EQ(through_fd, 0x5a);
    mem.write(4096, std::array<uint8_t, 1>{0x77});
  }
  uint8_t on_disk = 0;
  ASSERT_EQ(::pread(fd, &on_disk, 1, 4096), 1);
  EXPECT_EQ(on_disk, 0x5a);
  ::close(fd);
  ::unlink(path);
}

}  // namespace
}  // namespace ppc::vmm
