// libFuzzer target: arbitrary bytes as what a guest's agent sends the host (a hostile guest
// may send any message type, Network included, though only the host sends those). The stream
// is cut into frames and each frame decoded; every refusal must be a ppc::Error. A message
// that decodes must encode again and decode to the same message (what the checks let through
// is what the other side accepts).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "base/error.h"
#include "protocol/codec.h"
#include "protocol/frame_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ppc::protocol::FrameDecoder decoder;
  try {
    // In two parts, as a stream cut anywhere arrives.
    const size_t cut = size == 0 ? 0 : data[0] % (size + 1);
    decoder.feed(std::span<const uint8_t>(data, cut));
    decoder.feed(std::span<const uint8_t>(data + cut, size - cut));
  } catch (const ppc::Error&) {
    // A bad header: the stream is refused; frames completed before it are still decoded.
  }
  while (std::optional<ppc::protocol::Frame> frame = decoder.next()) {
    try {
      const ppc::protocol::Message message = ppc::protocol::decode(*frame);
      if (!(ppc::protocol::decode(ppc::protocol::encode(message)) == message)) std::abort();
    } catch (const ppc::Error&) {
      // A refused message: the expected outcome for almost every input.
    }
  }
  return 0;
}
