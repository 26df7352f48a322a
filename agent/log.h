#pragma once
// The agent's diagnostics go to the guest console (PID 1's stderr), which the VMM writes to
// its console file: never to the container's stdio.
#include <string_view>

namespace ppc::agent {

void log_line(std::string_view message);

}  // namespace ppc::agent
