#pragma once
// Text a guest wrote (its console, the agent's messages) on its way to a user's terminal or a
// log line: control characters, an escape sequence among them, shown as \xNN; tabs kept,
// carriage returns dropped.
#include <string>
#include <string_view>

namespace ppc {

std::string printable(std::string_view text);

}  // namespace ppc
