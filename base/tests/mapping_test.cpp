#include "base/mapping.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "base/error.h"

namespace ppc {
namespace {

TEST(Mapping, AnonymousIsZeroedAndWritable) {
  Mapping m = Mapping::anonymous(1 << 20, "test");
  ASSERT_NE(m.data(), nullptr);
  EXPECT_EQ(m.size(), 1u << 20);
  EXPECT_EQ(m.data()[12345], 0);
  m.data()[12345] = 7;
  EXPECT_EQ(m.data()[12345], 7);
}

TEST(Mapping, MoveLeavesTheSourceEmpty) {
  Mapping a = Mapping::anonymous(4096, "test");
  uint8_t* p = a.data();
  Mapping b(std::move(a));
  EXPECT_EQ(a.data(), nullptr);
  EXPECT_EQ(a.size(), 0u);
  EXPECT_EQ(b.data(), p);
}

TEST(Mapping, ImpossibleSizeIsAnErrorNamingTheUser) {
  try {
    Mapping::anonymous(size_t{1} << 62, "guest RAM");
    FAIL() << "mapped 4 EiB";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("guest RAM"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ppc
