#pragma once
// The type byte of a frame. Values are on the wire: never renumber or reuse one.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ppc::protocol {

enum class MessageType : uint8_t {
  kHello = 1,
  kOk = 2,
  kErrorReply = 3,
  kCreateContainer = 4,
  kStart = 5,
  kSignal = 6,
  kExec = 7,
  kWait = 8,
  kExited = 9,
  kResize = 10,
  kShutdown = 11,
  kStdioData = 12,
  kStdioClose = 13,
  kStdioWindow = 14,
  kNetwork = 15,
  kRemoveContainer = 16,
  kFreezeContainer = 17,
  kRestored = 18,
};

// The type for a wire byte, or nullopt when this version has no such type.
std::optional<MessageType> message_type_from_byte(uint8_t byte);

// "Hello", "StdioData"...: the name every protocol error starts with.
std::string_view message_type_name(MessageType type);

// Stdio messages have a binary payload, every other type a JSON object.
bool is_stdio(MessageType type);

// The largest payload a frame of this type may declare; the frame decoder refuses a longer
// one from the header alone, before reading or allocating anything for it.
size_t max_payload(MessageType type);

}  // namespace ppc::protocol
