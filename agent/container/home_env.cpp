#include "container/home_env.h"

#include <pwd.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <optional>

namespace ppc::agent {
namespace {

// glibc's parser of passwd lines (no NSS: the container's file, not the agent's).
std::optional<std::string> home_of(uid_t uid, const char* path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path, "re"), std::fclose);
  if (!file) return std::nullopt;
  std::vector<char> buffer(1024);
  constexpr size_t kMaxLine = 1 << 20;  // the file is the container's: a bound on what a line costs
  passwd entry{};
  passwd* found = nullptr;
  for (;;) {
    const int error = ::fgetpwent_r(file.get(), &entry, buffer.data(), buffer.size(), &found);
    if (error == ERANGE && buffer.size() < kMaxLine) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    if (error != 0 || found == nullptr) return std::nullopt;  // the end, or a line past the bound
    if (found->pw_uid == uid) return std::string(found->pw_dir);
  }
}

}  // namespace

std::vector<std::string> with_home(std::vector<std::string> env, uid_t uid, const char* passwd) {
  for (const std::string& variable : env) {
    if (variable.starts_with("HOME=")) return env;
  }
  env.push_back("HOME=" + home_of(uid, passwd).value_or("/"));
  return env;
}

}  // namespace ppc::agent
