#include "base/hex.h"

#include <gtest/gtest.h>

namespace ppc {
namespace {

TEST(Hex, NumbersForMessages) { EXPECT_EQ(hex(0x1f), "0x1f"); }

TEST(Hex, BytesGoAndComeBack) {
  const std::vector<uint8_t> bytes = {0x00, 0x0f, 0xa5, 0xff};
  EXPECT_EQ(hex_bytes(bytes), "000fa5ff");
  EXPECT_EQ(bytes_from_hex("000fa5ff"), bytes);
  EXPECT_EQ(bytes_from_hex(""), std::vector<uint8_t>{});
}

TEST(Hex, OnlyLowerCaseDigitsTwoPerByteAreRead) {
  for (const char* bad : {"0", "0g", "AB", "0x", " 00", "00 "}) EXPECT_EQ(bytes_from_hex(bad), std::nullopt) << bad;
}

}  // namespace
}  // namespace ppc
