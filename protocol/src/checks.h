#pragma once
// Field checks shared by every message codec, so that each failure reads the same way:
// "<Message>.<field>: <what is wrong>".
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ppc::protocol::detail {

[[noreturn]] void fail_field(std::string_view message, std::string_view field, std::string_view problem);

// 1..kMaxIdLength bytes of [A-Za-z0-9_.+-].
void check_id(std::string_view message, std::string_view field, std::string_view id);
void check_range(std::string_view message, std::string_view field, int64_t value, int64_t lo, int64_t hi);
// lo..hi bytes, none of them NUL (every text here may end up in a C string).
void check_text(std::string_view message, std::string_view field, std::string_view text, size_t lo, size_t hi);

}  // namespace ppc::protocol::detail
