#pragma once
// Stdio messages: binary payloads, so output bytes travel as they are, with no JSON
// escaping or base64 on the busiest path.
//
//   u8 stream (0 stdin, 1 stdout, 2 stderr) | u16 id length, big-endian | exec id | rest
//   rest: StdioData the data (all remaining bytes), StdioClose nothing, StdioWindow u32 bytes, big-endian
#include <cstdint>
#include <span>
#include <vector>

#include "protocol/messages.h"

namespace ppc::protocol::detail {

std::vector<uint8_t> encode_stdio(const Message& message);
// type is a stdio type; the result still needs validate().
Message decode_stdio(MessageType type, std::span<const uint8_t> payload);

}  // namespace ppc::protocol::detail
