#pragma once
// One protocol connection over a connected, blocking stream socket: AF_VSOCK in the guest,
// the VMM's hybrid-vsock Unix socket on the host.
//
// send() and receive() may run at once on two threads (a stdio pump beside a reader).
// Concurrent send()s are serialized so that frames never interleave; so are receive()s.
#include <cstdint>
#include <exception>
#include <mutex>
#include <optional>
#include <vector>

#include "base/unique_fd.h"
#include "protocol/frame_decoder.h"
#include "protocol/messages.h"

namespace ppc::protocol {

class Connection {
 public:
  explicit Connection(UniqueFd fd);

  // Encodes and writes the whole frame, across short writes and EINTR. Throws Error for a
  // message that fails validation or a failed write (a vanished peer is EPIPE, never SIGPIPE).
  void send(const Message& message);
  // The next message, or nullopt when the peer closed the stream between two frames.
  // Throws Error for a failed read, a stream that ends inside a frame, or a frame that
  // does not decode; after a framing error every later call throws.
  std::optional<Message> receive();

  // Ends the stream both ways: a receive() blocked in another thread returns, the peer
  // sees EOF. The fd stays open until the Connection is destroyed.
  void shutdown();

  int fd() const { return fd_.get(); }

 private:
  UniqueFd fd_;
  std::mutex send_mutex_;
  std::mutex receive_mutex_;
  FrameDecoder decoder_;
  // The framing error met after frames that were whole: thrown once, after them.
  std::exception_ptr broken_;
  std::vector<uint8_t> read_buffer_;
};

}  // namespace ppc::protocol
