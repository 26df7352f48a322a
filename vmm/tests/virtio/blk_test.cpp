#include "virtio/blk.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "base/error.h"
#include "virtio/device_test_fixture.h"

namespace ppc::vmm {
namespace {

using Bytes = std::vector<uint8_t>;

// virtio-blk as the spec defines it (5.2), written down independently of blk.cpp.
constexpr uint32_t kIn = 0, kOut = 1, kFlush = 4, kGetId = 8, kDiscard = 11;
constexpr uint8_t kOk = 0, kIoErr = 1, kUnsupp = 2;
constexpr uint64_t kFeatureRo = 1ull << 5, kFeatureFlush = 1ull << 9;
constexpr uint64_t kSector = 512;
constexpr uint64_t kSectors = 512;  // the image: 256 KiB

// Guest buffers of a request.
constexpr uint64_t kHeader = DeviceTest::kBuffers, kStatus = kHeader + 0x1000;
constexpr uint64_t kDataOut = kHeader + 0x10000, kDataIn = kHeader + 0x60000;  // 320 KiB each
constexpr uint8_t kStatusUnset = 0xee;

Bytes pattern(size_t n, unsigned seed) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>((i * 7 + i / kSector + seed) & 0xff);
  return b;
}

// A raw image in a temporary file, removed at the end.
class TempImage {
 public:
  explicit TempImage(const Bytes& content) {
    std::string templ = (std::filesystem::temp_directory_path() / "blk_test.XXXXXX").string();
    const int fd = ::mkstemp(templ.data());
    if (fd < 0) throw_errno("mkstemp");
    ::close(fd);
    path_ = templ;
    std::ofstream(path_, std::ios::binary).write(reinterpret_cast<const char*>(content.data()),
                                                 static_cast<std::streamsize>(content.size()));
  }
  ~TempImage() { std::filesystem::remove(path_); }
  TempImage(const TempImage&) = delete;
  TempImage& operator=(const TempImage&) = delete;

  const std::string& path() const { return path_; }
  Bytes content() const {
    std::ifstream in(path_, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), {});
  }

 private:
  std::string path_;
};

struct Completion {
  uint8_t status;
  uint32_t used_len;
};

class BlkTest : public DeviceTest {
 protected:
  void open_drive(bool read_only) {
    drive = std::make_unique<BlkDevice>(image.path(), read_only);
    activate(*drive);
  }

  void write_header(uint64_t gpa, uint32_t type, uint64_t sector) const {
    mem.store_le32(gpa, type);
    mem.store_le32(gpa + 4, 0);
    mem.store_le32(gpa + 8, static_cast<uint32_t>(sector));
    mem.store_le32(gpa + 12, static_cast<uint32_t>(sector >> 32));
  }

  // Runs one chain through the device; the status byte is read from status_gpa.
  Completion run(const std::vector<DriverBuffer>& chain, uint64_t status_gpa = kStatus) {
    mem.host_base()[status_gpa] = kStatusUnset;
    const uint16_t used_before = ring.used_idx();
    const uint16_t head = post_chain(0, chain);
    drive->queue_notify(0);
    EXPECT_EQ(ring.used_idx(), used_before + 1) << "the chain was not returned";
    EXPECT_EQ(ring.used_id(used_before % kQueueSize), head);
    return {mem.host_base()[status_gpa], ring.used_len(used_before % kQueueSize)};
  }

  // A request laid out as Linux sends it: header, data (read by the device for a write,
  // written by it otherwise), status byte.
  Completion request(uint32_t type, uint64_t sector, const Bytes& data_out = {}, uint32_t data_in = 0) {
    write_header(kHeader, type, sector);
    std::vector<DriverBuffer> chain{{kHeader, 16, false}};
    if (!data_out.empty()) {
      mem.write(kDataOut, data_out);
      chain.push_back({kDataOut, static_cast<uint32_t>(data_out.size()), false});
    }
    if (data_in) chain.push_back({kDataIn, data_in, true});
    chain.push_back({kStatus, 1, true});
    return run(chain);
  }

  Bytes guest_bytes(uint64_t gpa, size_t n) const {
    Bytes b(n);
    mem.read(gpa, b);
    return b;
  }

  const Bytes original = pattern(kSectors * kSector, 0);
  TempImage image{original};
  std::unique_ptr<BlkDevice> drive;
};

Bytes slice(const Bytes& b, uint64_t from, uint64_t n) { return Bytes(b.begin() + from, b.begin() + from + n); }

// --- reads ------------------------------------------------------------------------------

TEST_F(BlkTest, ReadCopiesTheSectorsIntoTheGuestBuffer) {
  open_drive(false);
  const Completion c = request(kIn, 2, {}, 2 * kSector);
  EXPECT_EQ(c.status, kOk);
  EXPECT_EQ(c.used_len, 2 * kSector + 1);  // data and status byte
  EXPECT_EQ(guest_bytes(kDataIn, 2 * kSector), slice(original, 2 * kSector, 2 * kSector));
  EXPECT_EQ(interrupts, std::vector<uint16_t>{0});
}

TEST_F(BlkTest, LargeReadIsScatteredOverBuffersAndEndsWithTheStatusByte) {
  open_drive(false);
  // 129 KiB (more than one 64 KiB chunk of the device) from sector 7: 100 bytes in a first
  // buffer, the rest and the status byte in a second one.
  constexpr uint64_t kBytes = 258 * kSector;
  constexpr uint64_t kSecond = kDataIn + 0x1000;
  write_header(kHeader, kIn, 7);
  const Completion c = run({{kHeader, 16, false}, {kDataIn, 100, true}, {kSecond, kBytes - 100 + 1, true}},
                           kSecond + kBytes - 100);
  EXPECT_EQ(c.status, kOk);
  EXPECT_EQ(c.used_len, kBytes + 1);
  Bytes got = guest_bytes(kDataIn, 100);
  const Bytes rest = guest_bytes(kSecond, kBytes - 100);
  got.insert(got.end(), rest.begin(), rest.end());
  EXPECT_EQ(got, slice(original, 7 * kSector, kBytes));
}

TEST_F(BlkTest, TheLastSectorCanBeReadButNotOnePast) {
  open_drive(false);
  EXPECT_EQ(request(kIn, kSectors - 1, {}, kSector).status, kOk);
  EXPECT_EQ(guest_bytes(kDataIn, kSector), slice(original, (kSectors - 1) * kSector, kSector));
  EXPECT_EQ(request(kIn, kSectors, {}, kSector).status, kIoErr);
  EXPECT_EQ(request(kIn, kSectors - 1, {}, 2 * kSector).status, kIoErr);
}

TEST_F(BlkTest, SectorsBeyondTheImageAreIoErr) {
  open_drive(false);
  // Huge sectors, including ones whose byte offset wraps around to inside the image.
  for (const uint64_t sector : {kSectors + 1, uint64_t{1} << 55, uint64_t{1} << 63, UINT64_MAX}) {
    mem.host_base()[kDataIn] = 0x5a;
    const Completion c = request(kIn, sector, {}, kSector);
    EXPECT_EQ(c.status, kIoErr) << "sector " << sector;
    EXPECT_EQ(c.used_len, 1u) << "sector " << sector;
    EXPECT_EQ(mem.host_base()[kDataIn], 0x5a) << "sector " << sector << ": data written";
    EXPECT_EQ(request(kOut, sector, pattern(kSector, 9)).status, kIoErr) << "sector " << sector;
  }
  EXPECT_EQ(image.content(), original);
}

TEST_F(BlkTest, LengthsThatAreNotWholeSectorsAreIoErr) {
  open_drive(false);
  EXPECT_EQ(request(kIn, 0, {}, 100).status, kIoErr);
  EXPECT_EQ(request(kIn, 0, {}, kSector + 1).status, kIoErr);
  EXPECT_EQ(request(kOut, 0, pattern(100, 3)).status, kIoErr);
  EXPECT_EQ(request(kOut, 0, pattern(kSector - 1, 3)).status, kIoErr);
  EXPECT_EQ(image.content(), original);
}

// --- writes -----------------------------------------------------------------------------

TEST_F(BlkTest, WriteChangesTheFileThere) {
  open_drive(false);
  const Bytes data = pattern(2 * kSector, 77);
  const Completion c = request(kOut, 5, data);
  EXPECT_EQ(c.status, kOk);
  EXPECT_EQ(c.used_len, 1u);  // the status byte only
  Bytes expected = original;
  std::copy(data.begin(), data.end(), expected.begin() + 5 * kSector);
  EXPECT_EQ(image.content(), expected);
  // And reads back.
  EXPECT_EQ(request(kIn, 5, {}, 2 * kSector).status, kOk);
  EXPECT_EQ(guest_bytes(kDataIn, 2 * kSector), data);
}

TEST_F(BlkTest, WriteWhoseHeaderAndDataShareOneBufferIsGathered) {
  open_drive(false);
  const Bytes data = pattern(kSector, 21);
  write_header(kHeader, kOut, 1);
  mem.write(kHeader + 16, data);
  const Completion c = run({{kHeader, 16 + kSector, false}, {kStatus, 1, true}});
  EXPECT_EQ(c.status, kOk);
  EXPECT_EQ(slice(image.content(), kSector, kSector), data);
}

TEST_F(BlkTest, ReadOnlyDriveOffersRoAndRefusesWrites) {
  open_drive(true);
  EXPECT_EQ(drive->features(), kFeatureRo | kFeatureFlush);
  const Completion c = request(kOut, 0, pattern(kSector, 5));
  EXPECT_EQ(c.status, kIoErr);
  EXPECT_EQ(c.used_len, 1u);
  EXPECT_EQ(image.content(), original);
  EXPECT_EQ(request(kIn, 0, {}, kSector).status, kOk);  // reads still work
  EXPECT_EQ(request(kFlush, 0).status, kOk);
}

TEST_F(BlkTest, WritableDriveOffersFlushOnly) {
  open_drive(false);
  EXPECT_EQ(drive->features(), kFeatureFlush);
}

// --- other request types ------------------------------------------------------------------

TEST_F(BlkTest, FlushSucceeds) {
  open_drive(false);
  const Completion c = request(kFlush, 0);
  EXPECT_EQ(c.status, kOk);
  EXPECT_EQ(c.used_len, 1u);
}

TEST_F(BlkTest, GetIdReturnsTheDriveIdPaddedWithNuls) {
  open_drive(false);
  std::memset(mem.host_base() + kDataIn, 0xff, 32);
  const Completion c = request(kGetId, 0, {}, 20);
  EXPECT_EQ(c.status, kOk);
  EXPECT_EQ(c.used_len, 21u);
  Bytes expected(20, 0);
  const std::string id = "ppc-kvm-blk";
  std::copy(id.begin(), id.end(), expected.begin());
  EXPECT_EQ(guest_bytes(kDataIn, 20), expected);
  // A shorter buffer gets what fits, and nothing past it.
  std::memset(mem.host_base() + kDataIn, 0xff, 32);
  const Completion short_buffer = request(kGetId, 0, {}, 8);
  EXPECT_EQ(short_buffer.status, kOk);
  EXPECT_EQ(short_buffer.used_len, 9u);
  EXPECT_EQ(guest_bytes(kDataIn, 9), (Bytes{'p', 'p', 'c', '-', 'k', 'v', 'm', '-', 0xff}));
}

TEST_F(BlkTest, UnsupportedTypesAreUnsuppAndChangeNothing) {
  open_drive(false);
  for (const uint32_t type : {kDiscard, 2u, 0xffffffffu}) {
    const Completion c = request(type, 0, pattern(kSector, 4));
    EXPECT_EQ(c.status, kUnsupp) << "type " << type;
    EXPECT_EQ(c.used_len, 1u) << "type " << type;
  }
  EXPECT_EQ(image.content(), original);
}

// --- malformed chains ---------------------------------------------------------------------

TEST_F(BlkTest, ChainWithoutAWritableStatusByteIsReturnedUntouched) {
  open_drive(false);
  write_header(kHeader, kOut, 0);
  mem.write(kDataOut, pattern(kSector, 8));
  const Completion c = run({{kHeader, 16, false}, {kDataOut, kSector, false}});
  EXPECT_EQ(c.used_len, 0u);
  EXPECT_EQ(image.content(), original);
  // A read without room for its status: nothing written either.
  write_header(kHeader, kIn, 0);
  EXPECT_EQ(run({{kHeader, 16, false}}).used_len, 0u);
  // The queue keeps working.
  EXPECT_EQ(request(kIn, 0, {}, kSector).status, kOk);
}

TEST_F(BlkTest, HeaderShorterThan16BytesIsIoErrButMaySpanBuffers) {
  open_drive(false);
  write_header(kHeader, kIn, 0);
  EXPECT_EQ(run({{kHeader, 15, false}, {kStatus, 1, true}}).status, kIoErr);
  // The same header split over two buffers is fine.
  const Completion split = run({{kHeader, 8, false}, {kHeader + 8, 8, false}, {kDataIn, kSector, true}, {kStatus, 1, true}});
  EXPECT_EQ(split.status, kOk);
  EXPECT_EQ(guest_bytes(kDataIn, kSector), slice(original, 0, kSector));
}

// --- queue handling -----------------------------------------------------------------------

TEST_F(BlkTest, EveryAvailableChainIsServedWithOneInterrupt) {
  open_drive(false);
  // Three reads of one sector each, of sectors 0, 1, 2, into separate buffers.
  for (uint16_t i = 0; i < 3; ++i) {
    write_header(kHeader + 0x100 * i, kIn, i);
    post_chain(3 * i, {{kHeader + 0x100 * i, 16, false}, {kDataIn + kSector * i, kSector, true}, {kStatus + i, 1, true}});
  }
  drive->queue_notify(0);
  ASSERT_EQ(ring.used_idx(), 3);
  for (uint16_t i = 0; i < 3; ++i) {
    EXPECT_EQ(ring.used_id(i), 3u * i);
    EXPECT_EQ(mem.host_base()[kStatus + i], kOk);
  }
  EXPECT_EQ(guest_bytes(kDataIn, 3 * kSector), slice(original, 0, 3 * kSector));
  EXPECT_EQ(interrupts, std::vector<uint16_t>{0});
}

TEST_F(BlkTest, NotificationsForOtherQueuesOrAfterResetAreIgnored) {
  open_drive(false);
  write_header(kHeader, kIn, 0);
  post_chain(0, {{kHeader, 16, false}, {kStatus, 1, true}});
  drive->queue_notify(1);
  EXPECT_EQ(ring.used_idx(), 0);
  drive->reset();
  drive->queue_notify(0);
  EXPECT_EQ(ring.used_idx(), 0);
  EXPECT_TRUE(interrupts.empty());
}

// --- the image and the configuration space ----------------------------------------------------

TEST_F(BlkTest, CapacityInConfigSpaceCountsWholeSectors) {
  const TempImage odd(pattern(7 * kSector + 100, 0));
  const BlkDevice device(odd.path(), true);
  EXPECT_EQ(device.sectors(), 7u);
  std::array<uint8_t, 12> config;
  config.fill(0xff);
  device.read_config(0, config);
  EXPECT_EQ(config, (std::array<uint8_t, 12>{7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
}

TEST_F(BlkTest, CapacityIsLittleEndianAndReadableInParts) {
  // A sparse image of 0x1'0000'0203 sectors (2 TiB) fills more than the low four bytes.
  constexpr uint64_t kBigSectors = 0x100000203ull;
  const TempImage big({});
  std::filesystem::resize_file(big.path(), kBigSectors * kSector);
  const BlkDevice device(big.path(), true);
  EXPECT_EQ(device.sectors(), kBigSectors);
  std::array<uint8_t, 8> whole{};
  device.read_config(0, whole);
  EXPECT_EQ(whole, (std::array<uint8_t, 8>{0x03, 0x02, 0, 0, 0x01, 0, 0, 0}));
  std::array<uint8_t, 2> part{};
  device.read_config(1, part);
  EXPECT_EQ(part, (std::array<uint8_t, 2>{0x02, 0}));
  device.read_config(4, part);
  EXPECT_EQ(part, (std::array<uint8_t, 2>{0x01, 0}));
  device.read_config(7, part);  // straddles the end of the capacity field
  EXPECT_EQ(part, (std::array<uint8_t, 2>{0, 0}));
  std::array<uint8_t, 4> far{1, 1, 1, 1};
  device.read_config(UINT64_MAX - 1, far);  // offset + i wraps around
  EXPECT_EQ(far, (std::array<uint8_t, 4>{}));
}

TEST(BlkOpen, MissingFileOrNotARegularFileIsAnErrorNamingThePath) {
  const std::string missing = (std::filesystem::temp_directory_path() / "blk_test.does-not-exist").string();
  try {
    BlkDevice device(missing, false);
    ADD_FAILURE() << "opened a missing file";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
  }
  const std::string dir = std::filesystem::temp_directory_path().string();
  try {
    BlkDevice device(dir, true);
    ADD_FAILURE() << "opened a directory";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ppc::vmm
