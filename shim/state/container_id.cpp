#include "state/container_id.h"

#include <string>

#include "base/error.h"

namespace ppc::shim {

void validate_container_id(std::string_view id) {
  bool valid = !id.empty() && id != "." && id != "..";
  for (const char c : id) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                         c == '+' || c == '-' || c == '.';
    if (!allowed) valid = false;
  }
  if (!valid) throw Error("invalid container ID format: \"" + std::string(id) + "\"");
}

}  // namespace ppc::shim
