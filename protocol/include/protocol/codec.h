#pragma once
// Messages to frames and back. Both directions check every field against limits.h and
// throw Error "<Message>.<field>: <problem>" (or "<Message>: <problem>" for the payload as
// a whole), so neither side ever sends what the other would refuse.
#include "protocol/frame.h"
#include "protocol/messages.h"

namespace ppc::protocol {

Frame encode(const Message& message);
Message decode(const Frame& frame);

}  // namespace ppc::protocol
