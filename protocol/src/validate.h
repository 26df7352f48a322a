#pragma once
// The bounds of each message's fields, checked on encode and on decode alike: our own
// mistakes are reported where they are made, the peer's where they arrive.
#include "protocol/messages.h"

namespace ppc::protocol::detail {

// Throws Error "<Message>.<field>: ..." for the first field out of bounds.
void validate(const Message& message);

}  // namespace ppc::protocol::detail
