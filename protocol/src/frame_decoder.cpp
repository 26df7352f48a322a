#include "protocol/frame_decoder.h"

#include <algorithm>
#include <string>

#include "base/error.h"
#include "protocol/limits.h"

namespace ppc::protocol {

void FrameDecoder::feed(std::span<const uint8_t> bytes) {
  if (failed_) throw Error("protocol: stream already failed to decode");
  // Any throw below leaves the stream unframed for good.
  failed_ = true;
  while (!bytes.empty()) {
    if (header_fill_ < kHeaderSize) {
      const size_t n = std::min(bytes.size(), kHeaderSize - header_fill_);
      std::copy_n(bytes.begin(), n, header_.begin() + header_fill_);
      header_fill_ += n;
      bytes = bytes.subspan(n);
      if (header_fill_ == kHeaderSize) parse_header();
    } else {
      const size_t n = std::min(bytes.size(), payload_length_ - current_.payload.size());
      current_.payload.insert(current_.payload.end(), bytes.begin(), bytes.begin() + n);
      bytes = bytes.subspan(n);
    }
    if (header_fill_ == kHeaderSize && current_.payload.size() == payload_length_) {
      complete_.push_back(std::move(current_));
      current_ = Frame{};
      header_fill_ = 0;
    }
  }
  failed_ = false;
}

void FrameDecoder::parse_header() {
  if (header_[0] != kMagic[0] || header_[1] != kMagic[1]) {
    throw Error("protocol: bad frame magic (not a ppc-kvm-shim protocol stream)");
  }
  const uint16_t version = static_cast<uint16_t>(header_[2] << 8 | header_[3]);
  if (version != kVersion) {
    throw Error("protocol: peer speaks version " + std::to_string(version) + ", this side speaks " +
                std::to_string(kVersion));
  }
  const uint32_t length = static_cast<uint32_t>(header_[4]) << 24 | static_cast<uint32_t>(header_[5]) << 16 |
                          static_cast<uint32_t>(header_[6]) << 8 | header_[7];
  const std::optional<MessageType> type = message_type_from_byte(header_[8]);
  if (!type) throw Error("protocol: unknown message type " + std::to_string(header_[8]));
  if (length > max_payload(*type)) {
    throw Error(std::string("protocol: ") + std::string(message_type_name(*type)) + " frame declares " +
                std::to_string(length) + " bytes, the limit is " + std::to_string(max_payload(*type)));
  }
  current_.type = *type;
  payload_length_ = length;
  // Bounded by max_payload above: at most 1 MiB for a peer that then sends nothing.
  current_.payload.reserve(length);
}

std::optional<Frame> FrameDecoder::next() {
  if (complete_.empty()) return std::nullopt;
  Frame frame = std::move(complete_.front());
  complete_.pop_front();
  return frame;
}

void FrameDecoder::finish() const {
  if (header_fill_ == 0) return;
  const size_t have = header_fill_ + current_.payload.size();
  if (header_fill_ < kHeaderSize) {
    throw Error("protocol: stream ended inside a frame header (" + std::to_string(have) + " of " +
                std::to_string(kHeaderSize) + " bytes)");
  }
  throw Error("protocol: stream ended inside a frame of type " + std::string(message_type_name(current_.type)) +
              " (" + std::to_string(have) + " of " + std::to_string(kHeaderSize + payload_length_) + " bytes)");
}

}  // namespace ppc::protocol
