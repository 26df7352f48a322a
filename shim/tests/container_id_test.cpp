#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/error.h"
#include "state/container_id.h"

namespace ppc::shim {
namespace {

TEST(shim_container_id, RuncsAlphabetPasses) {
  for (const std::string& id : std::vector<std::string>{"a", "abc-DEF_1.2+3", "0", "...a", "a..b", std::string(200, 'x')}) {
    EXPECT_NO_THROW(validate_container_id(id)) << id;
  }
}

TEST(shim_container_id, PathsAndOtherCharactersFail) {
  for (const char* id : {"", ".", "..", "a/b", "/abs", "../up", "a b", "a\tb", "é", "a:b", "a\\b", "*"}) {
    try {
      validate_container_id(id);
      ADD_FAILURE() << "accepted \"" << id << "\"";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("invalid container ID format"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace ppc::shim
