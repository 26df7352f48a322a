#pragma once
// A virtio-vsock packet: the 44-byte little-endian header (struct virtio_vsock_hdr) and its
// payload, as they sit in a descriptor chain. Decoding checks lengths only; what the fields
// mean, and whether the guest may say them, is for the connection and the muxer to judge.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "virtio/queue.h"

namespace ppc::vmm {

// struct virtio_vsock_hdr, in host byte order.
struct VsockHeader {
  uint64_t src_cid = 0;
  uint64_t dst_cid = 0;
  uint32_t src_port = 0;
  uint32_t dst_port = 0;
  uint32_t len = 0;
  uint16_t type = 0;
  uint16_t op = 0;
  uint32_t flags = 0;
  uint32_t buf_alloc = 0;
  uint32_t fwd_cnt = 0;

  bool operator==(const VsockHeader&) const = default;
};

namespace vsock {

constexpr size_t kHeaderSize = 44;
constexpr uint64_t kHostCid = 2;
constexpr uint16_t kTypeStream = 1;
constexpr uint16_t kOpRequest = 1, kOpResponse = 2, kOpRst = 3, kOpShutdown = 4, kOpRw = 5,
                   kOpCreditUpdate = 6, kOpCreditRequest = 7;
// SHUTDOWN flags: the sender will receive no more, send no more.
constexpr uint32_t kShutdownRcv = 1, kShutdownSend = 2;

std::array<uint8_t, kHeaderSize> encode(const VsockHeader& h);
// nullopt unless bytes is exactly one header long.
std::optional<VsockHeader> decode(std::span<const uint8_t> bytes);

// The header at the start of a driver-to-device chain; nullopt when the chain is shorter.
std::optional<VsockHeader> read_header(const DescriptorChain& chain);
// Whether the chain holds the h.len payload bytes the header claims.
bool payload_fits(const VsockHeader& h, const DescriptorChain& chain);
// Copies the first out.size() payload bytes (those after the header) into out.
void read_payload(const DescriptorChain& chain, std::span<uint8_t> out);

// Payload bytes a device-to-driver chain has room for after the header (0 when none).
uint64_t payload_room(const DescriptorChain& chain);
// Writes header and payload into the chain (the caller checked that they fit); returns the
// byte count for the used ring.
uint32_t write_packet(const DescriptorChain& chain, const VsockHeader& h, std::span<const uint8_t> payload = {});

// The RST that answers h where no connection takes it: addressed back to its sender, with
// its type, as Linux answers packets for which it has no socket.
VsockHeader reset_reply(const VsockHeader& h);

}  // namespace vsock
}  // namespace ppc::vmm
