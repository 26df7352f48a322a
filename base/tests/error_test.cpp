#include "base/error.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace ppc {
namespace {

TEST(Error, ThrowErrnoNamesTheOperationAndTheReason) {
  errno = ENOENT;
  try {
    throw_errno("open /dev/kvm");
    FAIL() << "throw_errno returned";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "open /dev/kvm: No such file or directory");
  }
}

TEST(Error, WithContextPrefixesEachLevel) {
  try {
    with_context("vm", [] { with_context("guest address 0x1000", []() -> int { throw Error("out of RAM"); }); });
    FAIL() << "nothing thrown";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "vm: guest address 0x1000: out of RAM");
  }
}

TEST(Error, WithContextPassesValuesThrough) {
  EXPECT_EQ(with_context("unused", [] { return 42; }), 42);
}

}  // namespace
}  // namespace ppc
