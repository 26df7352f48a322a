#pragma once
// HOME for a container's process, as crun and runc give it: the env's own when it has one,
// else the home directory of the process's uid in the container's /etc/passwd, else "/".
#include <sys/types.h>

#include <string>
#include <vector>

namespace ppc::agent {

// env with HOME added when it has none; passwd is read with the caller's root and rights
// (in the container, before the uid changes). A missing or unreadable file, or no entry for
// uid, gives "/".
std::vector<std::string> with_home(std::vector<std::string> env, uid_t uid, const char* passwd = "/etc/passwd");

}  // namespace ppc::agent
