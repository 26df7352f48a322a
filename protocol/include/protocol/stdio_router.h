#pragma once
// Hands the stdio messages a connection's reader thread receives to the streams they belong
// to: StdioData and StdioClose to a StreamReceiver, StdioWindow to a StreamSender, by exec id
// and stream. A message for a stream that is not (or no longer) registered is a protocol
// error from the peer, except a StdioWindow arriving after its sender finished.
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "protocol/messages.h"
#include "protocol/stdio_pump.h"

namespace ppc::protocol {

class StdioRouter {
 public:
  void add(const std::string& exec_id, StdioStream stream, std::shared_ptr<StreamSender> sender);
  void add(const std::string& exec_id, StdioStream stream, std::shared_ptr<StreamReceiver> receiver);
  void remove(const std::string& exec_id);
  // True when `message` was a stdio message (and was routed); false for any other message.
  // Throws Error for stdio the peer should not have sent.
  bool route(Message& message);
  // Cancels every stream (the connection is gone).
  void cancel_all();

 private:
  using Key = std::pair<std::string, StdioStream>;
  std::mutex mutex_;
  std::map<Key, std::shared_ptr<StreamSender>> senders_;
  std::map<Key, std::shared_ptr<StreamReceiver>> receivers_;
};

}  // namespace ppc::protocol
