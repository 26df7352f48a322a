// What the power-off reads to decide whether it must sync(): the unwritten kB in /proc/meminfo.
#include "init/unwritten_data.h"

#include <gtest/gtest.h>

#include <string>

namespace ppc::agent {
namespace {

// A 6.1 guest's /proc/meminfo, abridged, with the three lines the power-off reads.
std::string meminfo(const std::string& dirty, const std::string& writeback, const std::string& tmp) {
  return "MemTotal:         499584 kB\nMemFree:          431808 kB\nDirty:" + dirty + "\nWriteback:" + writeback +
         "\nAnonPages:          9600 kB\nNFS_Unstable:          0 kB\nWritebackTmp:" + tmp + "\nCommitLimit:      249792 kB\n";
}

TEST(UnwrittenData, NothingDirtyIsZero) {
  EXPECT_EQ(unwritten_kib(meminfo("               0 kB", "           0 kB", "        0 kB")), 0u);
}

TEST(UnwrittenData, EachOfTheThreeCounts) {
  EXPECT_EQ(unwritten_kib(meminfo("              64 kB", "           0 kB", "        0 kB")), 64u);
  EXPECT_EQ(unwritten_kib(meminfo("               0 kB", "         128 kB", "        0 kB")), 128u);
  EXPECT_EQ(unwritten_kib(meminfo("               0 kB", "           0 kB", "       64 kB")), 64u);
  EXPECT_EQ(unwritten_kib(meminfo("               1 kB", "           2 kB", "        4 kB")), 7u);
}

TEST(UnwrittenData, ALineNamedAlikeIsNotTaken) {
  // "WritebackTmp" begins with "Writeback": each is read from its own line.
  const std::string text = "Dirty: 0 kB\nWritebackTmp: 64 kB\nWriteback: 0 kB\n";
  EXPECT_EQ(unwritten_kib(text), 64u);
}

TEST(UnwrittenData, AMissingOrMalformedLineIsUnknown) {
  EXPECT_EQ(unwritten_kib("Dirty: 0 kB\nWriteback: 0 kB\n"), std::nullopt);
  EXPECT_EQ(unwritten_kib(meminfo("  x kB", " 0 kB", " 0 kB")), std::nullopt);
  EXPECT_EQ(unwritten_kib(meminfo(" 12", " 0 kB", " 0 kB")), std::nullopt);
  EXPECT_EQ(unwritten_kib(meminfo(" 12 MB", " 0 kB", " 0 kB")), std::nullopt);
  EXPECT_EQ(unwritten_kib(meminfo(" -1 kB", " 0 kB", " 0 kB")), std::nullopt);
  EXPECT_EQ(unwritten_kib(""), std::nullopt);
}

}  // namespace
}  // namespace ppc::agent
