#pragma once
// Where the agent listens: the vsock port the host connects to (on the host, through the
// VMM's hybrid-vsock Unix socket with "CONNECT 1024\n").
#include <cstdint>

namespace ppc::protocol {

inline constexpr uint32_t kAgentVsockPort = 1024;

}  // namespace ppc::protocol
