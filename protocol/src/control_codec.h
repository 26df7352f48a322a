#pragma once
// Control messages: a JSON object per payload. JSON because the bodies carry OCI JSON
// (config.json, process) anyway and are rare, so readability beats compactness here.
#include <cstdint>
#include <span>
#include <vector>

#include "protocol/messages.h"

namespace ppc::protocol::detail {

std::vector<uint8_t> encode_control(const Message& message);
// type is a control type; the result still needs validate().
Message decode_control(MessageType type, std::span<const uint8_t> payload);

}  // namespace ppc::protocol::detail
