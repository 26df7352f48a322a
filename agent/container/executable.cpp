#include "container/executable.h"

#include <sys/stat.h>
#include <unistd.h>

#include "container/launch_error.h"

namespace ppc::agent {
namespace {

// runc's default when the process sets no PATH.
constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

}  // namespace

std::string find_executable(const std::string& name, const std::vector<std::string>& env) {
  if (name.empty()) throw LaunchError("process.args[0]: empty executable name", 127);
  if (name.find('/') != std::string::npos) {
    struct stat st {};
    if (::stat(name.c_str(), &st) != 0) {
      throw LaunchError("exec: \"" + name + "\": no such file or directory", 127);
    }
    if (!S_ISREG(st.st_mode) || ::access(name.c_str(), X_OK) != 0) {
      throw LaunchError("exec: \"" + name + "\": permission denied", 126);
    }
    return name;
  }
  std::string path = kDefaultPath;
  for (const std::string& entry : env) {
    if (entry.rfind("PATH=", 0) == 0) path = entry.substr(5);
  }
  size_t start = 0;
  for (;;) {
    const size_t end = path.find(':', start);
    std::string dir = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (dir.empty()) dir = ".";
    const std::string candidate = dir + "/" + name;
    if (is_executable_file(candidate)) return candidate;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  throw LaunchError("exec: \"" + name + "\": executable file not found in $PATH", 127);
}

}  // namespace ppc::agent
