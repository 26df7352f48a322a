#pragma once
// A read-only view of one JSON value together with its path in the document
// ("process.rlimits[1].soft"), so that every check can say which field it refused. Private
// to the library.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace ppc::oci::detail {

class Field {
 public:
  // `path` is empty for a document root whose fields need no prefix.
  Field(const nlohmann::json& value, std::string path) : value_(&value), path_(std::move(path)) {}

  const nlohmann::json& json() const { return *value_; }
  const std::string& path() const { return path_; }

  // Throws ppc::Error("<path>: <problem>").
  [[noreturn]] void fail(std::string_view problem) const;

  // Members of an object (this must be one, else "expected an object"). A null member
  // counts as absent. required() reports a missing one.
  std::optional<Field> optional(std::string_view key) const;
  Field required(std::string_view key) const;

  // The elements of an array ("path[i]") and the members of an object ("path[\"key\"]").
  std::vector<Field> elements() const;
  std::vector<std::pair<std::string, Field>> members() const;

  std::string string() const;  // no NUL bytes
  bool boolean() const;
  uint32_t u32() const;
  uint64_t u64() const;
  int64_t i64() const;
  int i32() const;

  std::vector<std::string> strings() const;
  std::vector<uint32_t> u32s() const;
  std::string absolute_path() const;  // a string starting with '/'

  void expect_object() const;

  // How a value reads in a message: scalars as JSON (long strings cut short), containers
  // as "an array"/"an object".
  static std::string describe(const nlohmann::json& value);

 private:
  [[noreturn]] void expected(std::string_view what) const;

  const nlohmann::json* value_;
  std::string path_;
};

// Optional members read straight into a destination, for the many optional fields.
template <typename Fn>
void if_present(const Field& object, std::string_view key, Fn&& fn) {
  if (auto field = object.optional(key)) fn(*field);
}

}  // namespace ppc::oci::detail
