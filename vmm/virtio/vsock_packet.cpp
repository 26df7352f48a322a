#include "virtio/vsock_packet.h"

namespace ppc::vmm::vsock {
namespace {

void put_le(uint8_t* p, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

uint64_t get_le(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

}  // namespace

std::array<uint8_t, kHeaderSize> encode(const VsockHeader& h) {
  std::array<uint8_t, kHeaderSize> b{};
  put_le(&b[0], h.src_cid, 8);
  put_le(&b[8], h.dst_cid, 8);
  put_le(&b[16], h.src_port, 4);
  put_le(&b[20], h.dst_port, 4);
  put_le(&b[24], h.len, 4);
  put_le(&b[28], h.type, 2);
  put_le(&b[30], h.op, 2);
  put_le(&b[32], h.flags, 4);
  put_le(&b[36], h.buf_alloc, 4);
  put_le(&b[40], h.fwd_cnt, 4);
  return b;
}

std::optional<VsockHeader> decode(std::span<const uint8_t> bytes) {
  if (bytes.size() != kHeaderSize) return std::nullopt;
  const uint8_t* b = bytes.data();
  VsockHeader h;
  h.src_cid = get_le(&b[0], 8);
  h.dst_cid = get_le(&b[8], 8);
  h.src_port = static_cast<uint32_t>(get_le(&b[16], 4));
  h.dst_port = static_cast<uint32_t>(get_le(&b[20], 4));
  h.len = static_cast<uint32_t>(get_le(&b[24], 4));
  h.type = static_cast<uint16_t>(get_le(&b[28], 2));
  h.op = static_cast<uint16_t>(get_le(&b[30], 2));
  h.flags = static_cast<uint32_t>(get_le(&b[32], 4));
  h.buf_alloc = static_cast<uint32_t>(get_le(&b[36], 4));
  h.fwd_cnt = static_cast<uint32_t>(get_le(&b[40], 4));
  return h;
}

std::optional<VsockHeader> read_header(const DescriptorChain& chain) {
  if (chain.readable_bytes() < kHeaderSize) return std::nullopt;
  std::array<uint8_t, kHeaderSize> raw;
  chain.read(0, raw);
  return decode(raw);
}

bool payload_fits(const VsockHeader& h, const DescriptorChain& chain) {
  const uint64_t readable = chain.readable_bytes();
  return readable >= kHeaderSize && h.len <= readable - kHeaderSize;
}

void read_payload(const DescriptorChain& chain, std::span<uint8_t> out) { chain.read(kHeaderSize, out); }

uint64_t payload_room(const DescriptorChain& chain) {
  const uint64_t writable = chain.writable_bytes();
  return writable > kHeaderSize ? writable - kHeaderSize : 0;
}

uint32_t write_packet(const DescriptorChain& chain, const VsockHeader& h, std::span<const uint8_t> payload) {
  chain.write(0, encode(h));
  if (!payload.empty()) chain.write(kHeaderSize, payload);
  return static_cast<uint32_t>(kHeaderSize + payload.size());
}

VsockHeader reset_reply(const VsockHeader& h) {
  VsockHeader r;
  r.src_cid = h.dst_cid;
  r.dst_cid = h.src_cid;
  r.src_port = h.dst_port;
  r.dst_port = h.src_port;
  r.type = h.type;
  r.op = kOpRst;
  return r;
}

}  // namespace ppc::vmm::vsock
