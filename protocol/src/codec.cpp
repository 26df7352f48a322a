#include "protocol/codec.h"

#include <string>

#include "base/error.h"
#include "control_codec.h"
#include "stdio_codec.h"
#include "validate.h"

namespace ppc::protocol {
namespace {

void check_size(MessageType type, size_t size) {
  if (size > max_payload(type)) {
    throw Error(std::string(message_type_name(type)) + ": payload of " + std::to_string(size) +
                " bytes exceeds the limit of " + std::to_string(max_payload(type)));
  }
}

}  // namespace

Frame encode(const Message& message) {
  detail::validate(message);
  Frame frame;
  frame.type = type_of(message);
  frame.payload = is_stdio(frame.type) ? detail::encode_stdio(message) : detail::encode_control(message);
  check_size(frame.type, frame.payload.size());
  return frame;
}

Message decode(const Frame& frame) {
  // A Frame built by hand, rather than by FrameDecoder, may hold any type byte.
  if (!message_type_from_byte(static_cast<uint8_t>(frame.type))) {
    throw Error("protocol: unknown message type " + std::to_string(static_cast<unsigned>(frame.type)));
  }
  check_size(frame.type, frame.payload.size());
  Message message = is_stdio(frame.type) ? detail::decode_stdio(frame.type, frame.payload)
                                         : detail::decode_control(frame.type, frame.payload);
  detail::validate(message);
  return message;
}

}  // namespace ppc::protocol
