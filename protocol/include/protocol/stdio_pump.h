#pragma once
// The two ends of one stdio stream, shared by host and agent: a StreamSender reads a local
// fd and sends StdioData under the credit rule of stdio_credit.h; a StreamReceiver writes
// received StdioData to a local fd and grants the bytes back once written. The agent sends
// stdout/stderr and receives stdin; the host does the opposite.
//
// Each runs in a thread of its own (run()); the connection's reader thread feeds them
// through a StdioRouter (grant, deliver, close).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "protocol/connection.h"
#include "protocol/stdio_credit.h"

namespace ppc::protocol {

class StreamSender {
 public:
  StreamSender(Connection& connection, std::string exec_id, StdioStream stream, UniqueFd source);

  // Sends the source's bytes until it ends (read returns 0, or EIO as a pty master does when
  // its last slave closes), then StdioClose. Returns early, without StdioClose, after
  // cancel() or when the connection fails.
  void run();
  // A StdioWindow arrived. Throws Error when the peer grants more than was sent.
  void grant(uint32_t bytes);
  // The writer of the source has exited: once the source stays silent for `quiet`, the
  // stream ends as if at EOF. Background processes may hold a pipe or pty open forever;
  // this keeps them from holding back the exit status.
  void source_writer_exited(std::chrono::milliseconds quiet);
  void cancel();

 private:
  bool wait_for_credit(std::unique_lock<std::mutex>& lock);
  void wake_run();

  Connection& connection_;
  const std::string exec_id_;
  const StdioStream stream_;
  UniqueFd source_;
  // An eventfd that run() polls beside the source, so that cancel() and
  // source_writer_exited() take effect at once while the source is silent.
  UniqueFd wake_;
  std::mutex mutex_;
  std::condition_variable changed_;
  StdioCredit credit_;
  bool cancelled_ = false;
  std::chrono::milliseconds quiet_{-1};  // negative: the writer is still running
};

class StreamReceiver {
 public:
  StreamReceiver(Connection& connection, std::string exec_id, StdioStream stream, UniqueFd sink);

  // Writes queued data to the sink and grants each chunk back once written, until close()
  // and the queue is empty; then closes the sink (EOF for its reader). A sink that stops
  // taking data (EPIPE: the reader went away) is dropped and further data is discarded and
  // still granted, so the sender never stalls on a reader that will not come back.
  void run();
  // StdioData arrived (reader thread). Throws Error when the peer overran its credit.
  void deliver(std::vector<uint8_t> data);
  // StdioClose arrived: EOF after the queued data.
  void close();
  void cancel();

 private:
  Connection& connection_;
  const std::string exec_id_;
  const StdioStream stream_;
  UniqueFd sink_;
  std::mutex mutex_;
  std::condition_variable changed_;
  StdioCredit credit_;  // the peer's account, to catch an overrun
  std::deque<std::vector<uint8_t>> queue_;
  bool closed_ = false;
  bool cancelled_ = false;
};

}  // namespace ppc::protocol
