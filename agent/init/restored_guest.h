#pragma once
// What a guest restored from a shared snapshot must make its own (protocol::Restored): every
// clone starts with the same random generator state and a wall clock that stood still.
#include "protocol/messages.h"

namespace ppc::agent {

// Mixes the host's bytes into the kernel's entropy pool, credited (RNDADDENTROPY), reseeds
// the CRNG from it at once (RNDRESEEDCRNG) so that getrandom() differs from here on, and sets
// CLOCK_REALTIME. Throws Error naming the step that failed.
void make_restored_guest_its_own(const protocol::Restored& restored);

}  // namespace ppc::agent
