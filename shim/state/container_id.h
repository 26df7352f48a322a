#pragma once
#include <string_view>

namespace ppc::shim {

// runc's rule: one or more of [A-Za-z0-9_+.-], and neither "." nor "..", so that the id is
// always one safe path component under --root. Throws Error("invalid container ID format").
void validate_container_id(std::string_view id);

}  // namespace ppc::shim
