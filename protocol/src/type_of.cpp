#include "protocol/messages.h"

namespace ppc::protocol {
namespace {

// One overload per alternative: a message added to the variant without a type fails to compile.
struct TypeOf {
  MessageType operator()(const Hello&) const { return MessageType::kHello; }
  MessageType operator()(const Ok&) const { return MessageType::kOk; }
  MessageType operator()(const ErrorReply&) const { return MessageType::kErrorReply; }
  MessageType operator()(const CreateContainer&) const { return MessageType::kCreateContainer; }
  MessageType operator()(const Start&) const { return MessageType::kStart; }
  MessageType operator()(const Signal&) const { return MessageType::kSignal; }
  MessageType operator()(const Exec&) const { return MessageType::kExec; }
  MessageType operator()(const Wait&) const { return MessageType::kWait; }
  MessageType operator()(const Exited&) const { return MessageType::kExited; }
  MessageType operator()(const Resize&) const { return MessageType::kResize; }
  MessageType operator()(const Shutdown&) const { return MessageType::kShutdown; }
  MessageType operator()(const StdioData&) const { return MessageType::kStdioData; }
  MessageType operator()(const StdioClose&) const { return MessageType::kStdioClose; }
  MessageType operator()(const StdioWindow&) const { return MessageType::kStdioWindow; }
  MessageType operator()(const Network&) const { return MessageType::kNetwork; }
  MessageType operator()(const RemoveContainer&) const { return MessageType::kRemoveContainer; }
  MessageType operator()(const FreezeContainer&) const { return MessageType::kFreezeContainer; }
  MessageType operator()(const Restored&) const { return MessageType::kRestored; }
};

}  // namespace

MessageType type_of(const Message& message) { return std::visit(TypeOf{}, message); }

}  // namespace ppc::protocol
