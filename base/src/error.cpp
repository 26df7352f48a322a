#include "base/error.h"

#include <cerrno>
#include <cstring>

namespace ppc {

void throw_errno(std::string_view what) {
  const int saved = errno;
  throw Error(std::string(what) + ": " + std::strerror(saved));
}

}  // namespace ppc
