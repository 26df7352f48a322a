#pragma once
// setrlimit(2) resource names, as the spec writes them in process.rlimits[].type.
#include <optional>
#include <string_view>

namespace ppc::oci {

// "RLIMIT_NOFILE" -> RLIMIT_NOFILE (the platform's number); nullopt for unknown names.
std::optional<int> rlimit_resource(std::string_view name);

}  // namespace ppc::oci
