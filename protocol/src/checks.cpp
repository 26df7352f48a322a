#include "checks.h"

#include <algorithm>
#include <string>

#include "base/error.h"
#include "protocol/limits.h"

namespace ppc::protocol::detail {

void fail_field(std::string_view message, std::string_view field, std::string_view problem) {
  throw Error(std::string(message) + "." + std::string(field) + ": " + std::string(problem));
}

void check_id(std::string_view message, std::string_view field, std::string_view id) {
  if (id.empty()) fail_field(message, field, "must not be empty");
  if (id.size() > kMaxIdLength) {
    fail_field(message, field, std::to_string(id.size()) + " bytes, the limit is " + std::to_string(kMaxIdLength));
  }
  const bool valid = std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '+' || c == '-';
  });
  if (!valid) fail_field(message, field, "may hold only letters, digits and _ . + -");
}

void check_range(std::string_view message, std::string_view field, int64_t value, int64_t lo, int64_t hi) {
  if (value < lo || value > hi) {
    fail_field(message, field,
               std::to_string(value) + " is outside " + std::to_string(lo) + ".." + std::to_string(hi));
  }
}

void check_text(std::string_view message, std::string_view field, std::string_view text, size_t lo, size_t hi) {
  if (text.size() < lo || text.size() > hi) {
    fail_field(message, field,
               "length " + std::to_string(text.size()) + " is outside " + std::to_string(lo) + ".." + std::to_string(hi));
  }
  if (text.find('\0') != std::string_view::npos) fail_field(message, field, "contains a NUL byte");
}

}  // namespace ppc::protocol::detail
