#include "field.h"

#include <limits>

#include "base/error.h"

namespace ppc::oci::detail {

namespace {

std::string join(const std::string& parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string path = parent;
  path += '.';
  path += key;
  return path;
}

}  // namespace

void Field::fail(std::string_view problem) const {
  if (path_.empty()) throw Error(std::string(problem));
  throw Error(path_ + ": " + std::string(problem));
}

void Field::expected(std::string_view what) const {
  fail("expected " + std::string(what) + ", got " + describe(*value_));
}

std::string Field::describe(const nlohmann::json& value) {
  if (value.is_array()) return "an array";
  if (value.is_object()) return "an object";
  if (value.is_string()) {
    // A message quotes at most a short prefix: the value may be megabytes long. Cutting a
    // UTF-8 sequence in two is fine, dump() replaces the broken bytes.
    constexpr size_t kMaxQuoted = 64;
    const auto& text = value.get_ref<const std::string&>();
    if (text.size() <= kMaxQuoted) return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    const nlohmann::json cut = text.substr(0, kMaxQuoted);
    return cut.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "...";
  }
  return value.dump();
}

void Field::expect_object() const {
  if (!value_->is_object()) expected("an object");
}

std::optional<Field> Field::optional(std::string_view key) const {
  expect_object();
  const auto it = value_->find(key);
  if (it == value_->end() || it->is_null()) return std::nullopt;
  return Field(*it, join(path_, key));
}

Field Field::required(std::string_view key) const {
  expect_object();
  const auto it = value_->find(key);
  const std::string path = join(path_, key);
  if (it == value_->end()) throw Error(path + ": required field is missing");
  if (it->is_null()) throw Error(path + ": required field is null");
  return Field(*it, path);
}

std::vector<Field> Field::elements() const {
  if (!value_->is_array()) expected("an array");
  std::vector<Field> out;
  out.reserve(value_->size());
  size_t index = 0;
  for (const auto& element : *value_) {
    out.emplace_back(element, path_ + "[" + std::to_string(index++) + "]");
  }
  return out;
}

std::vector<std::pair<std::string, Field>> Field::members() const {
  expect_object();
  std::vector<std::pair<std::string, Field>> out;
  out.reserve(value_->size());
  for (auto it = value_->begin(); it != value_->end(); ++it) {
    // Keys may hold dots ("net.ipv4.ip_forward"), so they are quoted, not dotted on.
    const nlohmann::json key = it.key();
    std::string path = path_ + "[" + key.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "]";
    Field member(it.value(), std::move(path));
    if (it.key().find('\0') != std::string::npos) member.fail("key must not contain a NUL byte");
    out.emplace_back(it.key(), std::move(member));
  }
  return out;
}

std::string Field::string() const {
  if (!value_->is_string()) expected("a string");
  const auto& text = value_->get_ref<const std::string&>();
  if (text.find('\0') != std::string::npos) fail("must not contain a NUL byte");
  return text;
}

bool Field::boolean() const {
  if (!value_->is_boolean()) expected("a boolean");
  return value_->get<bool>();
}

// nlohmann keeps parsed non-negative integers as number_unsigned and negative ones as
// number_integer; values built in code may be number_integer either way. Floats (1.0,
// 1e3) are refused, as Go's decoder refuses them for integer fields.
uint64_t Field::u64() const {
  if (value_->is_number_unsigned()) return value_->get<uint64_t>();
  if (value_->is_number_integer() && value_->get<int64_t>() >= 0) return static_cast<uint64_t>(value_->get<int64_t>());
  expected("an unsigned 64-bit integer");
}

uint32_t Field::u32() const {
  const bool fits = (value_->is_number_unsigned() && value_->get<uint64_t>() <= std::numeric_limits<uint32_t>::max()) ||
                    (value_->is_number_integer() && !value_->is_number_unsigned() && value_->get<int64_t>() >= 0 &&
                     value_->get<int64_t>() <= std::numeric_limits<uint32_t>::max());
  if (!fits) expected("an unsigned 32-bit integer");
  return static_cast<uint32_t>(value_->get<uint64_t>());
}

int64_t Field::i64() const {
  if (value_->is_number_unsigned()) {
    if (value_->get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return static_cast<int64_t>(value_->get<uint64_t>());
    }
  } else if (value_->is_number_integer()) {
    return value_->get<int64_t>();
  }
  expected("a signed 64-bit integer");
}

int Field::i32() const {
  const bool integer = value_->is_number_integer();  // true for unsigned too
  if (integer) {
    if (value_->is_number_unsigned()) {
      if (value_->get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int>::max())) {
        return static_cast<int>(value_->get<uint64_t>());
      }
    } else {
      const int64_t v = value_->get<int64_t>();
      if (v >= std::numeric_limits<int>::min() && v <= std::numeric_limits<int>::max()) return static_cast<int>(v);
    }
  }
  expected("a signed 32-bit integer");
}

std::vector<std::string> Field::strings() const {
  std::vector<std::string> out;
  for (const Field& element : elements()) out.push_back(element.string());
  return out;
}

std::vector<uint32_t> Field::u32s() const {
  std::vector<uint32_t> out;
  for (const Field& element : elements()) out.push_back(element.u32());
  return out;
}

std::string Field::absolute_path() const {
  std::string text = string();
  if (text.empty() || text.front() != '/') fail("must be an absolute path, got " + describe(*value_));
  return text;
}

}  // namespace ppc::oci::detail
