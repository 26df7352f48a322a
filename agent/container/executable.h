#pragma once
// Finds process.args[0] the way runc does: a name with a slash is taken as it is (relative
// to cwd), any other is searched in the PATH of the process's own env.
#include <string>
#include <vector>

namespace ppc::agent {

// Throws LaunchError (127) naming the executable when it is not found, and (126) when it
// is found but is a directory or not executable.
std::string find_executable(const std::string& name, const std::vector<std::string>& env);

}  // namespace ppc::agent
