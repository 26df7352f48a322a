#pragma once
// Network's bounds: each interface's name (as Linux accepts one), MAC, MTU, and every address
// and route parsed in its family. Errors name the field: "Network.interfaces[0].routes[1].gateway: ...".
#include "protocol/messages.h"

namespace ppc::protocol::detail {

void check_network(const Network& network);

}  // namespace ppc::protocol::detail
