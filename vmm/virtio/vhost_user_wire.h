#pragma once
// The vhost-user wire format (QEMU's docs/interop/vhost-user.rst), as far as our frontend
// uses it: the messages it sends and the checks every reply must pass. A message is a
// 12-byte header {u32 request, u32 flags, u32 size}, in the host's byte order, followed by
// `size` payload bytes; file descriptors ride on the header as SCM_RIGHTS.
//
// The backend is a separate, less trusted process: a reply is accepted only when it says it
// is a version-1 reply to exactly the request we sent, carries exactly the payload size that
// reply has, and brings no file descriptors. Every reply we ask for has 8 payload bytes: a
// u64 (features, or REPLY_ACK's status) or a vring state {u32 index, u32 num}.
// Encoding and decoding only; vhost_user.h does the I/O. The decoder is fuzzed on its own.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace ppc::vmm::vhost_user {

enum class Request : uint32_t {
  GetFeatures = 1,
  SetFeatures = 2,
  SetOwner = 3,
  SetMemTable = 5,
  SetVringNum = 8,
  SetVringAddr = 9,
  SetVringBase = 10,
  GetVringBase = 11,
  SetVringKick = 12,
  SetVringCall = 13,
  GetProtocolFeatures = 15,
  SetProtocolFeatures = 16,
  SetVringEnable = 18,
};
std::string_view request_name(Request request);

constexpr uint32_t kVersion1 = 0x1, kVersionMask = 0x3, kFlagReply = 0x4, kFlagNeedReply = 0x8;
constexpr size_t kHeaderSize = 12;
constexpr size_t kReplyPayloadSize = 8;
// Virtio feature bit 30 means "this backend speaks protocol features" over vhost-user; it is
// never a feature of the guest's device.
constexpr uint64_t kFeatureProtocolFeatures = 1ull << 30;
constexpr uint64_t kProtocolFeatureReplyAck = 1ull << 3;
// What SET_MEM_TABLE may carry (VHOST_MEMORY_BASELINE_NREGIONS).
constexpr size_t kMaxMemoryRegions = 8;

// The backend broke the protocol (as opposed to a failing socket).
class ProtocolError : public Error {
 public:
  using Error::Error;
};

using Bytes = std::vector<uint8_t>;
using ReplyHeader = std::span<const uint8_t, kHeaderSize>;
using ReplyPayload = std::array<uint8_t, kReplyPayloadSize>;

struct MemoryRegion {
  uint64_t guest_phys_addr = 0;
  uint64_t memory_size = 0;
  uint64_t userspace_addr = 0;  // where the frontend (the VMM) has it mapped
  uint64_t mmap_offset = 0;     // into the region's fd
};

// SET_VRING_ADDR: the rings as the frontend's virtual addresses.
struct VringAddr {
  uint32_t index = 0;
  uint32_t flags = 0;  // bit 0 would ask for dirty logging: never
  uint64_t desc = 0, used = 0, avail = 0;
  uint64_t log = 0;  // guest physical address of the used ring for dirty logging: unused
};

struct VringState {
  uint32_t index = 0;
  uint32_t num = 0;
};

// A whole request: header (version 1, plus NEED_REPLY when asked) and payload.
Bytes encode_request(Request request, bool need_reply, std::span<const uint8_t> payload);

// Payloads.
Bytes u64_payload(uint64_t value);
Bytes vring_state_payload(VringState state);
Bytes vring_addr_payload(const VringAddr& addr);
// SET_VRING_KICK/CALL with an fd attached: the ring's index, no "no fd" bit.
Bytes vring_fd_payload(uint32_t index);
// {u32 count, u32 padding, count x 32-byte region}; throws ProtocolError for more than
// kMaxMemoryRegions regions or none.
Bytes memory_table_payload(std::span<const MemoryRegion> regions);

// Throws ProtocolError unless `header` is a version-1 reply to `expected` announcing
// kReplyPayloadSize bytes.
void check_reply_header(ReplyHeader header, Request expected);
uint64_t decode_u64(const ReplyPayload& payload);
VringState decode_vring_state(const ReplyPayload& payload);

// A complete reply as it came off the socket (header, then payload): checked as above, and
// exactly kHeaderSize + kReplyPayloadSize bytes long. Returns its payload.
ReplyPayload decode_reply(Request expected, std::span<const uint8_t> message);

}  // namespace ppc::vmm::vhost_user
