#pragma once
// The frame: the unit both sides read and write on a vsock stream.
//
//   offset  size  field
//   0       2     magic "PK" (0x50 0x4b)
//   2       2     version, big-endian (kVersion)
//   4       4     payload length in bytes, big-endian (header excluded)
//   8       1     type (MessageType)
//   9       n     payload: a JSON object for control messages, binary for stdio
//
// Big-endian (network order) so a hex dump reads "PK 00 01 ..." on any host; both ends are
// little-endian POWER or x86 today, and the byte swaps cost nothing next to a vsock exit.
// A fixed binary header rather than a JSON envelope: the receiver learns type and length
// from 9 bytes, so it refuses a bad peer before reading or allocating the payload, and
// stdio chunks travel as raw bytes instead of base64 in JSON.
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "protocol/message_type.h"

namespace ppc::protocol {

inline constexpr std::array<uint8_t, 2> kMagic = {'P', 'K'};
inline constexpr size_t kHeaderSize = 9;

struct Frame {
  MessageType type = MessageType::kOk;
  std::vector<uint8_t> payload;

  bool operator==(const Frame&) const = default;
};

// Header and payload, ready to write. Throws Error when the payload exceeds
// max_payload(frame.type): such a frame would be refused by the peer.
std::vector<uint8_t> encode_frame(const Frame& frame);

}  // namespace ppc::protocol
