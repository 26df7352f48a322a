#pragma once
#include "base/error.h"

namespace ppc::vmm {

// A problem with what the user asked for (a file, a size, a count), found before any VM
// exists: the VMM exits 2.
class ConfigError : public Error {
 public:
  using Error::Error;
};

}  // namespace ppc::vmm
