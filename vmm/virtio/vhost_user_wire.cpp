#include "virtio/vhost_user_wire.h"

#include <cstring>
#include <string>

namespace ppc::vmm::vhost_user {
namespace {

// Native byte order throughout (the backend runs on this host).
template <typename T>
void put(Bytes& out, T value) {
  uint8_t raw[sizeof value];
  std::memcpy(raw, &value, sizeof value);
  out.insert(out.end(), raw, raw + sizeof value);
}

template <typename T>
T get(std::span<const uint8_t> in, size_t offset) {
  T value;
  std::memcpy(&value, in.data() + offset, sizeof value);
  return value;
}

std::string request_text(uint32_t request) {
  const std::string_view name = request_name(static_cast<Request>(request));
  return name.empty() ? "request " + std::to_string(request) : std::string(name);
}

}  // namespace

std::string_view request_name(Request request) {
  switch (request) {
    case Request::GetFeatures: return "GET_FEATURES";
    case Request::SetFeatures: return "SET_FEATURES";
    case Request::SetOwner: return "SET_OWNER";
    case Request::SetMemTable: return "SET_MEM_TABLE";
    case Request::SetVringNum: return "SET_VRING_NUM";
    case Request::SetVringAddr: return "SET_VRING_ADDR";
    case Request::SetVringBase: return "SET_VRING_BASE";
    case Request::GetVringBase: return "GET_VRING_BASE";
    case Request::SetVringKick: return "SET_VRING_KICK";
    case Request::SetVringCall: return "SET_VRING_CALL";
    case Request::GetProtocolFeatures: return "GET_PROTOCOL_FEATURES";
    case Request::SetProtocolFeatures: return "SET_PROTOCOL_FEATURES";
    case Request::SetVringEnable: return "SET_VRING_ENABLE";
  }
  return "";
}

Bytes encode_request(Request request, bool need_reply, std::span<const uint8_t> payload) {
  Bytes out;
  out.reserve(kHeaderSize + payload.size());
  put(out, static_cast<uint32_t>(request));
  put(out, kVersion1 | (need_reply ? kFlagNeedReply : 0));
  put(out, static_cast<uint32_t>(payload.size()));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

Bytes u64_payload(uint64_t value) {
  Bytes out;
  put(out, value);
  return out;
}

Bytes vring_state_payload(VringState state) {
  Bytes out;
  put(out, state.index);
  put(out, state.num);
  return out;
}

Bytes vring_addr_payload(const VringAddr& addr) {
  Bytes out;
  put(out, addr.index);
  put(out, addr.flags);
  put(out, addr.desc);
  put(out, addr.used);
  put(out, addr.avail);
  put(out, addr.log);
  return out;
}

Bytes vring_fd_payload(uint32_t index) { return u64_payload(index); }

Bytes memory_table_payload(std::span<const MemoryRegion> regions) {
  if (regions.empty() || regions.size() > kMaxMemoryRegions)
    throw ProtocolError("a memory table holds 1 to " + std::to_string(kMaxMemoryRegions) + " regions, not " +
                        std::to_string(regions.size()));
  Bytes out;
  put(out, static_cast<uint32_t>(regions.size()));
  put(out, uint32_t{0});
  for (const auto& r : regions) {
    put(out, r.guest_phys_addr);
    put(out, r.memory_size);
    put(out, r.userspace_addr);
    put(out, r.mmap_offset);
  }
  return out;
}

void check_reply_header(ReplyHeader header, Request expected) {
  const auto request = get<uint32_t>(header, 0);
  const auto flags = get<uint32_t>(header, 4);
  const auto size = get<uint32_t>(header, 8);
  const std::string want = std::string(request_name(expected));
  if (request != static_cast<uint32_t>(expected))
    throw ProtocolError("reply to " + request_text(request) + " where one to " + want + " was due");
  if ((flags & kVersionMask) != kVersion1)
    throw ProtocolError("reply to " + want + " has version " + std::to_string(flags & kVersionMask) + ", not 1");
  if (!(flags & kFlagReply)) throw ProtocolError("message for " + want + " lacks the reply flag");
  if (size != kReplyPayloadSize)
    throw ProtocolError("reply to " + want + " announces " + std::to_string(size) + " payload bytes, not " +
                        std::to_string(kReplyPayloadSize));
}

uint64_t decode_u64(const ReplyPayload& payload) { return get<uint64_t>(payload, 0); }

VringState decode_vring_state(const ReplyPayload& payload) {
  return {get<uint32_t>(payload, 0), get<uint32_t>(payload, 4)};
}

ReplyPayload decode_reply(Request expected, std::span<const uint8_t> message) {
  if (message.size() < kHeaderSize)
    throw ProtocolError("reply to " + std::string(request_name(expected)) + " is " + std::to_string(message.size()) +
                        " bytes, shorter than a header");
  check_reply_header(ReplyHeader(message.first<kHeaderSize>()), expected);
  if (message.size() != kHeaderSize + kReplyPayloadSize)
    throw ProtocolError("reply to " + std::string(request_name(expected)) + " has " +
                        std::to_string(message.size() - kHeaderSize) + " payload bytes, not " +
                        std::to_string(kReplyPayloadSize));
  ReplyPayload payload;
  std::memcpy(payload.data(), message.data() + kHeaderSize, payload.size());
  return payload;
}

}  // namespace ppc::vmm::vhost_user
