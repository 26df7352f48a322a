#include "base/error.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <stdexcept>

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

class NarrowError : public Error {
 public:
  using Error::Error;
  int detail = 7;
};

TEST(Error, WithContextKeepsTheErrorsTypeAndData) {
  try {
    with_context("outer", [] {
      with_context("inner", [] {
        NarrowError e("bad value");
        e.detail = 42;
        throw e;
      });
    });
    FAIL() << "nothing thrown";
  } catch (const NarrowError& e) {
    EXPECT_STREQ(e.what(), "outer: inner: bad value");
    EXPECT_EQ(e.detail, 42);
  } catch (const Error& e) {
    FAIL() << "the type was lost: " << e.what();
  }
}

TEST(Error, WithContextLeavesOtherExceptionsAlone) {
  EXPECT_THROW(with_context("ignored", []() -> int { throw std::logic_error("not ours"); }), std::logic_error);
}

}  // namespace
}  // namespace ppc
