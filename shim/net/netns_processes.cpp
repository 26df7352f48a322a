#include "net/netns_processes.h"

#include <dirent.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

namespace ppc::shim {

std::optional<NetnsProcess> process_in_netns(const struct stat& netns, const std::string& proc) {
  const std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(proc.c_str()), ::closedir);
  if (!dir) return std::nullopt;
  while (const dirent* entry = ::readdir(dir.get())) {
    char* end = nullptr;
    const long pid = std::strtol(entry->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    const std::string base = proc + "/" + entry->d_name;
    struct stat st {};
    if (::stat((base + "/ns/net").c_str(), &st) != 0) continue;  // ended, or a kernel thread's
    if (st.st_ino != netns.st_ino || st.st_dev != netns.st_dev) continue;
    NetnsProcess found{static_cast<pid_t>(pid), ""};
    std::ifstream comm(base + "/comm");
    std::getline(comm, found.command);
    return found;
  }
  return std::nullopt;
}

}  // namespace ppc::shim
