#include "protocol/connection.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "base/error.h"
#include "protocol/codec.h"
#include "protocol/limits.h"

namespace ppc::protocol {
namespace {

// One read takes a whole stdio chunk with its header when the peer has sent one.
constexpr size_t kReadSize = kHeaderSize + kMaxStdioPayload;

}  // namespace

Connection::Connection(UniqueFd fd) : fd_(std::move(fd)), read_buffer_(kReadSize) {}

void Connection::send(const Message& message) {
  const std::vector<uint8_t> bytes = encode_frame(encode(message));
  const std::lock_guard lock(send_mutex_);
  size_t done = 0;
  while (done < bytes.size()) {
    // send() rather than write(): MSG_NOSIGNAL turns a closed peer into EPIPE instead of
    // killing the process, which in the guest is PID 1.
    const ssize_t n = ::send(fd_.get(), bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("protocol: send");
    }
    done += static_cast<size_t>(n);
  }
}

std::optional<Message> Connection::receive() {
  const std::lock_guard lock(receive_mutex_);
  for (;;) {
    // Whole frames that came before a framing error are delivered first (an agent's Hello in
    // the same read as its broken frame), then the error; later calls say the stream failed.
    if (std::optional<Frame> frame = decoder_.next()) return decode(*frame);
    if (broken_) std::rethrow_exception(std::exchange(broken_, nullptr));
    // Checked before reading: a peer that broke the framing may also never send again.
    if (decoder_.failed()) throw Error("protocol: stream already failed to decode");
    const ssize_t n = ::read(fd_.get(), read_buffer_.data(), read_buffer_.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("protocol: receive");
    }
    if (n == 0) {
      decoder_.finish();
      return std::nullopt;
    }
    try {
      decoder_.feed(std::span<const uint8_t>(read_buffer_.data(), static_cast<size_t>(n)));
    } catch (const Error&) {
      broken_ = std::current_exception();
    }
  }
}

void Connection::shutdown() { ::shutdown(fd_.get(), SHUT_RDWR); }

}  // namespace ppc::protocol
