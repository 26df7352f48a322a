#include "virtio/vsock_packet.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

namespace ppc::vmm {
namespace {

using Bytes = std::vector<uint8_t>;

// A header whose every field has its own value, with the top byte of each set so that a
// field written short or at the wrong offset shows.
VsockHeader distinct_header() {
  VsockHeader h;
  h.src_cid = 0x8807060504030201ull;
  h.dst_cid = 0x9817161514131211ull;
  h.src_port = 0xa4232221;
  h.dst_port = 0xb4333231;
  h.len = 0xc4434241;
  h.type = 0xd251;
  h.op = 0xe261;
  h.flags = 0xf4737271;
  h.buf_alloc = 0x84838281;
  h.fwd_cnt = 0x94939291;
  return h;
}

// The chain's buffers as spans over the given byte vectors.
DescriptorChain chain_over(std::vector<Bytes>& readable, std::vector<Bytes>& writable) {
  DescriptorChain chain;
  chain.head = 7;
  for (Bytes& b : readable) chain.readable.emplace_back(b.data(), b.size());
  for (Bytes& b : writable) chain.writable.emplace_back(b.data(), b.size());
  return chain;
}

TEST(VsockPacketTest, EncodeLaysOutTheSpecHeaderLittleEndian) {
  const auto b = vsock::encode(distinct_header());
  ASSERT_EQ(b.size(), 44u);
  // virtio_vsock_hdr: le64 src_cid, le64 dst_cid, le32 src_port, le32 dst_port, le32 len,
  // le16 type, le16 op, le32 flags, le32 buf_alloc, le32 fwd_cnt.
  const Bytes expected = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x88,  // src_cid
                          0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x98,  // dst_cid
                          0x21, 0x22, 0x23, 0xa4,                          // src_port
                          0x31, 0x32, 0x33, 0xb4,                          // dst_port
                          0x41, 0x42, 0x43, 0xc4,                          // len
                          0x51, 0xd2,                                      // type
                          0x61, 0xe2,                                      // op
                          0x71, 0x72, 0x73, 0xf4,                          // flags
                          0x81, 0x82, 0x83, 0x84,                          // buf_alloc
                          0x91, 0x92, 0x93, 0x94};                         // fwd_cnt
  EXPECT_EQ(Bytes(b.begin(), b.end()), expected);
}

TEST(VsockPacketTest, DecodeInvertsEncode) {
  const VsockHeader h = distinct_header();
  const auto b = vsock::encode(h);
  const auto back = vsock::decode(b);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, h);
  EXPECT_EQ(vsock::decode(vsock::encode(VsockHeader{})), VsockHeader{});
}

TEST(VsockPacketTest, DecodeRefusesAnythingButOneHeader) {
  const Bytes big(45, 0xff);
  for (const size_t n : {size_t{0}, size_t{1}, size_t{43}, size_t{45}})
    EXPECT_FALSE(vsock::decode(std::span<const uint8_t>(big.data(), n)).has_value()) << n;
  EXPECT_TRUE(vsock::decode(std::span<const uint8_t>(big.data(), 44)).has_value());
}

TEST(VsockPacketTest, HeaderIsReadAcrossBuffersAndNeedsAllOfIt) {
  const auto raw = vsock::encode(distinct_header());
  std::vector<Bytes> readable = {Bytes(raw.begin(), raw.begin() + 3), Bytes(raw.begin() + 3, raw.end())};
  std::vector<Bytes> none;
  auto h = vsock::read_header(chain_over(readable, none));
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(*h, distinct_header());

  readable.back().pop_back();  // 43 bytes
  EXPECT_FALSE(vsock::read_header(chain_over(readable, none)).has_value());
  std::vector<Bytes> empty_chain;
  EXPECT_FALSE(vsock::read_header(chain_over(empty_chain, none)).has_value());
}

TEST(VsockPacketTest, PayloadMustFitTheChain) {
  std::vector<Bytes> readable = {Bytes(44), Bytes(10)};
  std::vector<Bytes> none;
  const DescriptorChain chain = chain_over(readable, none);
  VsockHeader h;
  for (const uint32_t len : {0u, 9u, 10u}) {
    h.len = len;
    EXPECT_TRUE(vsock::payload_fits(h, chain)) << len;
  }
  for (const uint32_t len : {11u, 0x7fffffffu, 0xffffffffu}) {
    h.len = len;
    EXPECT_FALSE(vsock::payload_fits(h, chain)) << len;
  }
  // A chain shorter than a header fits no payload, not even an empty one.
  std::vector<Bytes> short_chain = {Bytes(20)};
  h.len = 0;
  EXPECT_FALSE(vsock::payload_fits(h, chain_over(short_chain, none)));
}

TEST(VsockPacketTest, PayloadIsReadFromAfterTheHeader) {
  Bytes first(40, 0);
  Bytes second = {0, 0, 0, 0, 'a', 'b', 'c'};
  std::vector<Bytes> readable = {first, second};
  std::vector<Bytes> none;
  std::array<uint8_t, 3> out{};
  vsock::read_payload(chain_over(readable, none), out);
  EXPECT_EQ(out, (std::array<uint8_t, 3>{'a', 'b', 'c'}));
}

TEST(VsockPacketTest, PayloadRoomIsWhatFollowsTheHeader) {
  std::vector<Bytes> none;
  for (const auto& [sizes, room] : std::vector<std::pair<std::vector<size_t>, uint64_t>>{
           {{}, 0}, {{43}, 0}, {{44}, 0}, {{45}, 1}, {{32, 4096}, 4084}}) {
    std::vector<Bytes> writable;
    for (const size_t n : sizes) writable.emplace_back(n);
    EXPECT_EQ(vsock::payload_room(chain_over(none, writable)), room);
  }
}

TEST(VsockPacketTest, PacketIsWrittenAcrossBuffers) {
  std::vector<Bytes> none;
  std::vector<Bytes> writable = {Bytes(10, 0xee), Bytes(40, 0xee)};
  const Bytes payload = {'x', 'y', 'z'};
  const DescriptorChain chain = chain_over(none, writable);
  EXPECT_EQ(vsock::write_packet(chain, distinct_header(), payload), 47u);
  Bytes got(writable[0]);
  got.insert(got.end(), writable[1].begin(), writable[1].end());
  const auto raw = vsock::encode(distinct_header());
  EXPECT_TRUE(std::equal(raw.begin(), raw.end(), got.begin()));
  EXPECT_EQ(Bytes(got.begin() + 44, got.begin() + 47), payload);
  EXPECT_EQ(got[47], 0xee);  // nothing beyond

  EXPECT_EQ(vsock::write_packet(chain, VsockHeader{}), 44u);  // a control packet
}

TEST(VsockPacketTest, ResetReplyGoesBackToTheSenderWithItsType) {
  const VsockHeader h = distinct_header();
  const VsockHeader r = vsock::reset_reply(h);
  EXPECT_EQ(r.src_cid, h.dst_cid);
  EXPECT_EQ(r.dst_cid, h.src_cid);
  EXPECT_EQ(r.src_port, h.dst_port);
  EXPECT_EQ(r.dst_port, h.src_port);
  EXPECT_EQ(r.type, h.type);
  EXPECT_EQ(r.op, vsock::kOpRst);
  EXPECT_EQ(r.len, 0u);
  EXPECT_EQ(r.flags, 0u);
  EXPECT_EQ(r.buf_alloc, 0u);
  EXPECT_EQ(r.fwd_cnt, 0u);
}

}  // namespace
}  // namespace ppc::vmm
