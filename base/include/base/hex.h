#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ppc {

// "0x1f": how addresses, numbers and registers appear in messages.
std::string hex(uint64_t value);

// Bytes as lower-case hex text, two digits each ("00ff"): how binary blobs travel in JSON.
std::string hex_bytes(std::span<const uint8_t> bytes);
// The bytes of such text; nullopt unless it is lower-case hex digits, two per byte.
std::optional<std::vector<uint8_t>> bytes_from_hex(std::string_view text);

}  // namespace ppc
