#pragma once
// What every command gets: the global flags and the state store under --root.
#include <string>
#include <vector>

#include "cli/global_options.h"
#include "state/state_store.h"

namespace ppc::shim {

struct Context {
  GlobalOptions global;
  StateStore store;
};

// A command: its arguments after the command name; returns the exit status.
using CommandFn = int (*)(Context& context, const std::vector<std::string>& args);

}  // namespace ppc::shim
