#include "bus/mmio_bus.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "base/error.h"

namespace ppc::vmm {
namespace {

// Records the accesses that reach it; reads return the offset's low byte in every byte.
class Recorder : public MmioHandler {
 public:
  void mmio_read(uint64_t offset, std::span<uint8_t> data) override {
    reads.push_back({offset, data.size()});
    for (auto& b : data) b = static_cast<uint8_t>(offset);
  }
  void mmio_write(uint64_t offset, std::span<const uint8_t> data) override {
    writes.push_back({offset, data.size()});
    last_written.assign(data.begin(), data.end());
  }
  struct Access {
    uint64_t offset;
    size_t len;
  };
  std::vector<Access> reads, writes;
  std::vector<uint8_t> last_written;
};

TEST(MmioBus, RoutesAnAccessToItsWindowWithTheOffset) {
  MmioBus bus;
  Recorder a, b;
  bus.add(0x1000, 0x200, a, "a");
  bus.add(0x2000, 0x200, b, "b");
  uint8_t data[4] = {};
  EXPECT_TRUE(bus.read(0x2010, data));
  ASSERT_EQ(b.reads.size(), 1u);
  EXPECT_EQ(b.reads[0].offset, 0x10u);
  EXPECT_EQ(b.reads[0].len, 4u);
  EXPECT_EQ(data[3], 0x10);
  EXPECT_TRUE(a.reads.empty());
  const uint8_t out[2] = {7, 8};
  EXPECT_TRUE(bus.write(0x11fe, out));
  ASSERT_EQ(a.writes.size(), 1u);
  EXPECT_EQ(a.writes[0].offset, 0x1feu);
  EXPECT_EQ(a.last_written, (std::vector<uint8_t>{7, 8}));
}

TEST(MmioBus, AnAccessNoWindowHoldsWhollyIsUnclaimed) {
  MmioBus bus;
  Recorder a;
  bus.add(0x1000, 0x200, a, "a");
  uint8_t data[8] = {};
  // Below, across the end, just past the end, and at the top of the address space.
  for (const uint64_t addr : {0x0ull, 0xfffull, 0x11fcull, 0x1200ull, ~0ull - 3}) {
    std::fill(std::begin(data), std::end(data), 0);
    EXPECT_FALSE(bus.read(addr, data)) << std::hex << addr;
    for (const uint8_t byte : data) EXPECT_EQ(byte, 0xff);  // an unclaimed bus reads all-ones
    EXPECT_FALSE(bus.write(addr, data));
  }
  EXPECT_TRUE(a.reads.empty());
  EXPECT_TRUE(a.writes.empty());
}

TEST(MmioBus, RefusesOverlappingEmptyAndWrappingWindows) {
  MmioBus bus;
  Recorder a;
  bus.add(0x1000, 0x1000, a, "a");
  EXPECT_THROW(bus.add(0x1800, 0x100, a, "inside"), Error);
  EXPECT_THROW(bus.add(0x0f00, 0x200, a, "over the start"), Error);
  EXPECT_THROW(bus.add(0x1fff, 0x10, a, "over the end"), Error);
  EXPECT_THROW(bus.add(0x3000, 0, a, "empty"), Error);
  EXPECT_THROW(bus.add(~0ull - 0xf, 0x100, a, "wraps"), Error);
  bus.add(0x2000, 0x10, a, "adjacent");  // touching is not overlapping
  bus.add(0x0800, 0x800, a, "adjacent below");
}

}  // namespace
}  // namespace ppc::vmm
