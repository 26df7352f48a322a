#include "stdio_codec.h"

#include <string>

#include "base/error.h"
#include "checks.h"

namespace ppc::protocol::detail {
namespace {

constexpr size_t kPrefix = 3;  // stream and id length

std::vector<uint8_t> prefix(const std::string& exec_id, StdioStream stream, size_t rest) {
  std::vector<uint8_t> out;
  out.reserve(kPrefix + exec_id.size() + rest);
  out.push_back(static_cast<uint8_t>(stream));
  out.push_back(static_cast<uint8_t>(exec_id.size() >> 8));
  out.push_back(static_cast<uint8_t>(exec_id.size()));
  out.insert(out.end(), exec_id.begin(), exec_id.end());
  return out;
}

struct Encode {
  std::vector<uint8_t> operator()(const StdioData& m) const {
    std::vector<uint8_t> out = prefix(m.exec_id, m.stream, m.data.size());
    out.insert(out.end(), m.data.begin(), m.data.end());
    return out;
  }
  std::vector<uint8_t> operator()(const StdioClose& m) const { return prefix(m.exec_id, m.stream, 0); }
  std::vector<uint8_t> operator()(const StdioWindow& m) const {
    std::vector<uint8_t> out = prefix(m.exec_id, m.stream, 4);
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(m.bytes >> shift));
    return out;
  }
  // Control messages never reach here: codec.cpp routes them to control_codec.
  template <typename Other>
  std::vector<uint8_t> operator()(const Other&) const {
    throw Error("not a stdio message");
  }
};

}  // namespace

std::vector<uint8_t> encode_stdio(const Message& message) { return std::visit(Encode{}, message); }

Message decode_stdio(MessageType type, std::span<const uint8_t> payload) {
  const std::string_view name = message_type_name(type);
  if (payload.size() < kPrefix) fail_field(name, "exec_id", "payload too short for a stream and an id length");
  const uint8_t stream_byte = payload[0];
  if (stream_byte > static_cast<uint8_t>(StdioStream::kStderr)) {
    fail_field(name, "stream", "unknown stream " + std::to_string(stream_byte));
  }
  const auto stream = static_cast<StdioStream>(stream_byte);
  const size_t id_length = static_cast<size_t>(payload[1]) << 8 | payload[2];
  if (payload.size() - kPrefix < id_length) {
    fail_field(name, "exec_id", "declares " + std::to_string(id_length) + " bytes, the payload has " +
                                    std::to_string(payload.size() - kPrefix));
  }
  std::string exec_id(payload.begin() + kPrefix, payload.begin() + kPrefix + id_length);
  const std::span<const uint8_t> rest = payload.subspan(kPrefix + id_length);

  switch (type) {
    case MessageType::kStdioData:
      return StdioData{std::move(exec_id), stream, std::vector<uint8_t>(rest.begin(), rest.end())};
    case MessageType::kStdioClose:
      if (!rest.empty()) fail_field(name, "exec_id", std::to_string(rest.size()) + " bytes follow the id");
      return StdioClose{std::move(exec_id), stream};
    case MessageType::kStdioWindow: {
      if (rest.size() != 4) fail_field(name, "bytes", "expected 4 bytes, got " + std::to_string(rest.size()));
      const uint32_t bytes = static_cast<uint32_t>(rest[0]) << 24 | static_cast<uint32_t>(rest[1]) << 16 |
                             static_cast<uint32_t>(rest[2]) << 8 | rest[3];
      return StdioWindow{std::move(exec_id), stream, bytes};
    }
    default:
      throw Error(std::string(name) + " is not a stdio message");
  }
}

}  // namespace ppc::protocol::detail
