#include "json_reader.h"

#include <utility>

#include "base/error.h"
#include "protocol/limits.h"

namespace ppc::protocol::detail {

JsonReader::JsonReader(std::string_view message, std::span<const uint8_t> payload) : message_(message) {
  // The depth limit runs inside the parser, so a hostile document is refused while it is
  // being read, not after it was built.
  const auto limit_depth = [message](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
    if ((event == nlohmann::json::parse_event_t::object_start || event == nlohmann::json::parse_event_t::array_start) &&
        depth >= kMaxJsonDepth) {
      throw Error(std::string(message) + ": JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    }
    return true;
  };
  try {
    object_ = nlohmann::json::parse(payload.begin(), payload.end(), limit_depth);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string(message) + ": malformed JSON: " + e.what());
  }
  if (!object_.is_object()) throw Error(std::string(message) + ": payload must be a JSON object, got " + type_name(object_));
}

JsonReader::JsonReader(std::string context, nlohmann::json object)
    : message_(std::move(context)), object_(std::move(object)) {
  if (!object_.is_object()) throw Error(message_ + ": expected an object, got " + type_name(object_));
}

nlohmann::json JsonReader::take(std::string_view field) {
  const auto it = object_.find(field);
  if (it == object_.end()) fail_field(message_, field, "missing");
  nlohmann::json value = std::move(*it);
  object_.erase(it);
  return value;
}

std::string JsonReader::string(std::string_view field) {
  nlohmann::json value = take(field);
  if (!value.is_string()) fail_field(message_, field, "expected a string, got " + type_name(value));
  return std::move(value.get_ref<std::string&>());
}

bool JsonReader::boolean(std::string_view field) {
  const nlohmann::json value = take(field);
  if (!value.is_boolean()) fail_field(message_, field, "expected a boolean, got " + type_name(value));
  return value.get<bool>();
}

nlohmann::json JsonReader::object(std::string_view field) {
  nlohmann::json value = take(field);
  if (!value.is_object()) fail_field(message_, field, "expected an object, got " + type_name(value));
  return value;
}

nlohmann::json JsonReader::array(std::string_view field, size_t max) {
  nlohmann::json value = take(field);
  if (!value.is_array()) fail_field(message_, field, "expected an array, got " + type_name(value));
  if (value.size() > max) {
    fail_field(message_, field, std::to_string(value.size()) + " elements, the limit is " + std::to_string(max));
  }
  return value;
}

void JsonReader::finish() const {
  if (!object_.empty()) fail_field(message_, object_.begin().key(), "unknown field");
}

std::string JsonReader::type_name(const nlohmann::json& value) {
  return value.is_number_float() ? "a float" : std::string(value.type_name());
}

}  // namespace ppc::protocol::detail
