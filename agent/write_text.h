#pragma once
// Writing a value to a kernel file (cgroupfs, sysfs) in the agent.
#include <string>

namespace ppc::agent {

// Writes `text` to the existing file `path` in one write(2). Throws Error naming the path.
void write_text(const std::string& path, const std::string& text);

}  // namespace ppc::agent
