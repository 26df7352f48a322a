#pragma once
// Reads one control message's JSON object strictly: every field must be present with its
// type, and a field the message does not define is an error (a peer sending one speaks
// another version and must not be half understood).
#include <array>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "checks.h"

namespace ppc::protocol::detail {

class JsonReader {
 public:
  // Parses payload (at most kMaxJsonDepth levels deep); throws Error unless it is an object.
  JsonReader(std::string_view message, std::span<const uint8_t> payload);
  // An object inside a message, read as strictly: `context` names it in errors
  // ("Network.interfaces[0]").
  JsonReader(std::string context, nlohmann::json object);

  std::string string(std::string_view field);
  bool boolean(std::string_view field);
  nlohmann::json object(std::string_view field);
  // An array of at most `max` elements.
  nlohmann::json array(std::string_view field, size_t max);
  // An integer (not a float) that fits T; the message's own bounds are checked later.
  template <typename T>
  T integer(std::string_view field) {
    nlohmann::json value = take(field);
    if (!value.is_number_integer()) fail_field(message_, field, "expected an integer, got " + type_name(value));
    if (value.is_number_unsigned()) {
      const uint64_t v = value.get<uint64_t>();
      if (v <= static_cast<uint64_t>(std::numeric_limits<T>::max())) return static_cast<T>(v);
    } else {
      const int64_t v = value.get<int64_t>();
      if (v >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
          v <= static_cast<int64_t>(std::numeric_limits<T>::max())) {
        return static_cast<T>(v);
      }
    }
    fail_field(message_, field, value.dump() + " is out of range");
  }

  // An enum sent as a word: words[i] is the value i.
  template <typename Enum, size_t N>
  Enum word(std::string_view field, const std::array<std::string_view, N>& words) {
    const std::string value = string(field);
    for (size_t i = 0; i < N; ++i) {
      if (words[i] == value) return static_cast<Enum>(i);
    }
    fail_field(message_, field, "unknown value \"" + value + "\"");
  }

  // Throws Error naming the first field no accessor took.
  void finish() const;

 private:
  nlohmann::json take(std::string_view field);
  static std::string type_name(const nlohmann::json& value);

  std::string message_;
  nlohmann::json object_;
};

}  // namespace ppc::protocol::detail
