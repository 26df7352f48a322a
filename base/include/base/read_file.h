#pragma once
// Reading a whole file, for the host's programs and the guest's agent alike.
#include <string>

namespace ppc {

// The whole file; throws Error naming the path.
std::string read_file(const std::string& path);

}  // namespace ppc
