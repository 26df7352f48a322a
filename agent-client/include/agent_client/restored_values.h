#pragma once
// What the host tells an agent whose guest was just restored from a snapshot (see
// protocol::Restored): fresh randomness and the time, taken at the moment of the call.
#include "protocol/messages.h"

namespace ppc::agent_client {

// kRestoreEntropyBytes from getrandom(2) and CLOCK_REALTIME now. Throws Error when the host
// has no randomness to give (getrandom fails).
protocol::Restored restored_values_now();

inline constexpr size_t kRestoreEntropyBytes = 64;

}  // namespace ppc::agent_client
