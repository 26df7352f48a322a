#include "protocol/frame.h"

#include <algorithm>
#include <string>

#include "base/error.h"
#include "protocol/limits.h"

namespace ppc::protocol {

std::vector<uint8_t> encode_frame(const Frame& frame) {
  const size_t length = frame.payload.size();
  if (length > max_payload(frame.type)) {
    throw Error(std::string(message_type_name(frame.type)) + ": payload of " + std::to_string(length) +
                " bytes exceeds the limit of " + std::to_string(max_payload(frame.type)));
  }
  // Sized up front and filled by index: one allocation, and no push_back chain (which
  // GCC 12 at -O2 misreads as an overflow).
  std::vector<uint8_t> out(kHeaderSize + length);
  out[0] = kMagic[0];
  out[1] = kMagic[1];
  out[2] = static_cast<uint8_t>(kVersion >> 8);
  out[3] = static_cast<uint8_t>(kVersion);
  out[4] = static_cast<uint8_t>(length >> 24);
  out[5] = static_cast<uint8_t>(length >> 16);
  out[6] = static_cast<uint8_t>(length >> 8);
  out[7] = static_cast<uint8_t>(length);
  out[8] = static_cast<uint8_t>(frame.type);
  std::copy(frame.payload.begin(), frame.payload.end(), out.begin() + kHeaderSize);
  return out;
}

}  // namespace ppc::protocol
