#include "base/printable.h"

#include <gtest/gtest.h>

namespace ppc {
namespace {

TEST(Printable, ControlCharactersAreShownTabsKeptCarriageReturnsDropped) {
  EXPECT_EQ(printable("plain text, UTF-8 \xc3\xa9"), "plain text, UTF-8 \xc3\xa9");
  EXPECT_EQ(printable("\x1b[2Jcleared\r\tend\x07\x7f"), "\\x1b[2Jcleared\tend\\x07\\x7f");
  EXPECT_EQ(printable(std::string_view("a\0b", 3)), "a\\x00b");
}

}  // namespace
}  // namespace ppc
