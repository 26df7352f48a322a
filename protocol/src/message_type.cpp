#include "protocol/message_type.h"

#include "protocol/limits.h"

namespace ppc::protocol {

std::optional<MessageType> message_type_from_byte(uint8_t byte) {
  if (byte < static_cast<uint8_t>(MessageType::kHello) || byte > static_cast<uint8_t>(MessageType::kRestored)) {
    return std::nullopt;
  }
  return static_cast<MessageType>(byte);
}

std::string_view message_type_name(MessageType type) {
  switch (type) {
    case MessageType::kHello: return "Hello";
    case MessageType::kOk: return "Ok";
    case MessageType::kErrorReply: return "ErrorReply";
    case MessageType::kCreateContainer: return "CreateContainer";
    case MessageType::kStart: return "Start";
    case MessageType::kSignal: return "Signal";
    case MessageType::kExec: return "Exec";
    case MessageType::kWait: return "Wait";
    case MessageType::kExited: return "Exited";
    case MessageType::kResize: return "Resize";
    case MessageType::kShutdown: return "Shutdown";
    case MessageType::kStdioData: return "StdioData";
    case MessageType::kStdioClose: return "StdioClose";
    case MessageType::kStdioWindow: return "StdioWindow";
    case MessageType::kNetwork: return "Network";
    case MessageType::kRemoveContainer: return "RemoveContainer";
    case MessageType::kFreezeContainer: return "FreezeContainer";
    case MessageType::kRestored: return "Restored";
  }
  return "unknown";
}

bool is_stdio(MessageType type) {
  return type == MessageType::kStdioData || type == MessageType::kStdioClose || type == MessageType::kStdioWindow;
}

size_t max_payload(MessageType type) { return is_stdio(type) ? kMaxStdioPayload : kMaxControlPayload; }

}  // namespace ppc::protocol
