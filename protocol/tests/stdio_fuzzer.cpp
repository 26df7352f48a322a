// libFuzzer target: the stdio a hostile guest's agent sends the host, past the frame decoder
// and the message checks into the StdioRouter and the streams' credit accounting.
//
// Input: byte 0 says which streams exist (bits 0..5: the host receives on exec "a" (bits 0..2)
// or "b" (bits 3..5), stream bit % 3; bit 6: every other stream of the two has a sender),
// byte 1 how many times each StdioData is delivered (so that one 8 KiB input can overrun the
// 256 KiB window), the rest is the byte stream. Nothing here runs the streams' threads, so
// the host never grants anything back and never sends anything. What must hold, stated
// independently of the code under test:
//   - a receiver accepts at most kStdioWindow bytes in all; what would go over is refused;
//   - data or a close for a stream with no receiver is refused, data after a close too;
//   - a window for a sender that sent nothing is refused (a grant of unsent bytes);
//   - a window for a stream with no sender is ignored (it may cross the sender's close);
//   - every refusal is a ppc::Error, and route() takes every stdio message and no other.
#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <variant>

#include "base/error.h"
#include "base/unique_fd.h"
#include "protocol/codec.h"
#include "protocol/connection.h"
#include "protocol/frame_decoder.h"
#include "protocol/limits.h"
#include "protocol/stdio_pump.h"
#include "protocol/stdio_router.h"

namespace {

using namespace ppc::protocol;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "stdio_fuzzer: %s\n", what);
  std::abort();
}

struct Model {
  bool receiver = false, sender = false, closed = false;
  size_t received = 0;
};

using Key = std::pair<std::string, StdioStream>;

ppc::UniqueFd socket_end(int (&fds)[2], int which) { return ppc::UniqueFd(fds[which]); }

// Runs route() and reports whether it refused the message.
bool refused(StdioRouter& router, Message message) {
  try {
    if (!router.route(message)) fail("route() did not take a stdio message");
    return false;
  } catch (const ppc::Error&) {
    return true;
  }
}

void check_data(StdioRouter& router, const StdioData& data, Model& m, unsigned repeat) {
  for (unsigned i = 0; i < repeat; ++i) {
    const bool may = m.receiver && !m.closed && m.received + data.data.size() <= kStdioWindow;
    if (refused(router, Message{data}) == may) fail(may ? "data within the window refused" : "data accepted past its bounds");
    if (!may) return;
    m.received += data.data.size();
  }
}

void check(StdioRouter& router, Message& message, std::map<Key, Model>& model, unsigned repeat) {
  if (const auto* data = std::get_if<StdioData>(&message)) {
    check_data(router, *data, model[{data->exec_id, data->stream}], repeat);
  } else if (const auto* close = std::get_if<StdioClose>(&message)) {
    Model& m = model[{close->exec_id, close->stream}];
    if (refused(router, message) == m.receiver) fail(m.receiver ? "close refused" : "close for no stream accepted");
    m.closed = m.closed || m.receiver;
  } else if (const auto* window = std::get_if<StdioWindow>(&message)) {
    // With nothing sent, a sender must refuse any grant; without a sender it is ignored.
    if (refused(router, message) != model[{window->exec_id, window->stream}].sender) fail("window misrouted");
  } else {
    try {
      if (router.route(message)) fail("route() took a message that is not stdio");
    } catch (const ppc::Error&) {
      fail("route() threw for a message that is not stdio");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) fail("socketpair");
  ppc::UniqueFd peer = socket_end(fds, 1);
  Connection connection(socket_end(fds, 0));
  StdioRouter router;
  std::map<Key, Model> model;
  const std::array<StdioStream, 3> streams = {StdioStream::kStdin, StdioStream::kStdout, StdioStream::kStderr};
  for (int k = 0; k < 6; ++k) {
    const std::string id = k < 3 ? "a" : "b";
    const StdioStream stream = streams[k % 3];
    Model& m = model[{id, stream}];
    if (data[0] & (1u << k)) {
      router.add(id, stream, std::make_shared<StreamReceiver>(connection, id, stream, ppc::UniqueFd(::dup(peer.get()))));
      m.receiver = true;
    } else if (data[0] & 0x40) {
      router.add(id, stream, std::make_shared<StreamSender>(connection, id, stream, ppc::UniqueFd(::dup(peer.get()))));
      m.sender = true;
    }
  }
  const unsigned repeat = 1 + data[1] % 64;

  FrameDecoder decoder;
  try {
    decoder.feed(std::span<const uint8_t>(data + 2, size - 2));
  } catch (const ppc::Error&) {
    // A bad header ends the stream; the frames before it still count.
  }
  while (std::optional<Frame> frame = decoder.next()) {
    std::optional<Message> message;
    try {
      message = decode(*frame);
    } catch (const ppc::Error&) {
      continue;
    }
    check(router, *message, model, repeat);
  }
  router.cancel_all();
  return 0;
}
