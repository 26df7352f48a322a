#pragma once
// Errors with an exit status of their own. main prints every error once and exits 1,
// or with the status one of these carries.
#include <string>

#include "base/error.h"

namespace ppc::shim {

// A bad flag or argument (the command's usage is the remedy). Exit status 1, as runc's.
class UsageError : public Error {
 public:
  using Error::Error;
};

// A failure whose exit status is not 1: the agent's 126/127 for a process that could not
// be executed, as runc reports them.
class StatusError : public Error {
 public:
  StatusError(const std::string& message, int status) : Error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

}  // namespace ppc::shim
