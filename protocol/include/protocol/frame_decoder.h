#pragma once
// Turns a byte stream, cut anywhere, back into frames. The header is checked as soon as
// its 9 bytes are in: a bad magic, another version, an unknown type or a length above
// max_payload(type) throws Error before any payload byte is kept. After an error the
// stream has lost its framing: the decoder refuses further input, close the connection.
#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>

#include "protocol/frame.h"

namespace ppc::protocol {

class FrameDecoder {
 public:
  // Consumes all of bytes; complete frames become available from next().
  void feed(std::span<const uint8_t> bytes);
  // The oldest complete frame not yet taken.
  std::optional<Frame> next();
  // The stream has ended: throws Error if it ended inside a frame.
  void finish() const;
  // An earlier feed() threw: the stream cannot be decoded any further.
  bool failed() const { return failed_; }

 private:
  void parse_header();

  std::array<uint8_t, kHeaderSize> header_{};
  size_t header_fill_ = 0;
  size_t payload_length_ = 0;
  Frame current_;
  std::deque<Frame> complete_;
  bool failed_ = false;
};

}  // namespace ppc::protocol
