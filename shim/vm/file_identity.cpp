#include "vm/file_identity.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/error.h"

namespace ppc::shim {

std::string file_identity(const std::string& path, const std::string& what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw Error(what + " " + path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw Error(what + " " + path + " is not a regular file");
  char id[96];
  std::snprintf(id, sizeof id, "%llx-%llx-%llx-%lld.%09ld", static_cast<unsigned long long>(st.st_dev),
                static_cast<unsigned long long>(st.st_ino), static_cast<unsigned long long>(st.st_size),
                static_cast<long long>(st.st_mtim.tv_sec), st.st_mtim.tv_nsec);
  return id;
}

}  // namespace ppc::shim
