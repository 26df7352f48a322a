#pragma once
// A process that could not be started, with the status runc's CLI would exit with:
// 127 the executable was not found, 126 it could not be executed, 1 anything else.
#include <string>

#include "base/error.h"

namespace ppc::agent {

class LaunchError : public Error {
 public:
  LaunchError(const std::string& message, int exit_status) : Error(message), exit_status_(exit_status) {}
  int exit_status() const { return exit_status_; }

 private:
  int exit_status_;
};

}  // namespace ppc::agent
