#include "protocol/stdio_router.h"

#include "base/error.h"

namespace ppc::protocol {
namespace {

const char* stream_name(StdioStream stream) {
  switch (stream) {
    case StdioStream::kStdin: return "stdin";
    case StdioStream::kStdout: return "stdout";
    case StdioStream::kStderr: return "stderr";
  }
  return "?";
}

}  // namespace

void StdioRouter::add(const std::string& exec_id, StdioStream stream, std::shared_ptr<StreamSender> sender) {
  const std::lock_guard lock(mutex_);
  senders_[{exec_id, stream}] = std::move(sender);
}

void StdioRouter::add(const std::string& exec_id, StdioStream stream, std::shared_ptr<StreamReceiver> receiver) {
  const std::lock_guard lock(mutex_);
  receivers_[{exec_id, stream}] = std::move(receiver);
}

void StdioRouter::remove(const std::string& exec_id) {
  const std::lock_guard lock(mutex_);
  for (StdioStream s : {StdioStream::kStdin, StdioStream::kStdout, StdioStream::kStderr}) {
    senders_.erase({exec_id, s});
    receivers_.erase({exec_id, s});
  }
}

bool StdioRouter::route(Message& message) {
  if (auto* data = std::get_if<StdioData>(&message)) {
    std::shared_ptr<StreamReceiver> receiver;
    {
      const std::lock_guard lock(mutex_);
      auto it = receivers_.find({data->exec_id, data->stream});
      if (it != receivers_.end()) receiver = it->second;
    }
    if (!receiver) throw Error("StdioData for unknown stream " + data->exec_id + " " + stream_name(data->stream));
    receiver->deliver(std::move(data->data));
    return true;
  }
  if (auto* close = std::get_if<StdioClose>(&message)) {
    std::shared_ptr<StreamReceiver> receiver;
    {
      const std::lock_guard lock(mutex_);
      auto it = receivers_.find({close->exec_id, close->stream});
      if (it != receivers_.end()) receiver = it->second;
    }
    if (!receiver) throw Error("StdioClose for unknown stream " + close->exec_id + " " + stream_name(close->stream));
    receiver->close();
    return true;
  }
  if (auto* window = std::get_if<StdioWindow>(&message)) {
    std::shared_ptr<StreamSender> sender;
    {
      const std::lock_guard lock(mutex_);
      auto it = senders_.find({window->exec_id, window->stream});
      if (it != senders_.end()) sender = it->second;
    }
    // A grant may cross the sender's own StdioClose on the wire: nothing to do then.
    if (sender) sender->grant(window->bytes);
    return true;
  }
  return false;
}

void StdioRouter::cancel_all() {
  const std::lock_guard lock(mutex_);
  for (auto& [key, sender] : senders_) sender->cancel();
  for (auto& [key, receiver] : receivers_) receiver->cancel();
}

}  // namespace ppc::protocol
