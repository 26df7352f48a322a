#include "virtio/net_header.h"

#include <gtest/gtest.h>
#include <linux/if_tun.h>

#include <array>

namespace ppc::vmm::net {
namespace {

constexpr uint64_t kAllHost = kFeatureCsum | kFeatureHostTso4 | kFeatureHostTso6;

// A TCPv4 segment as Linux's driver describes one: Ethernet + IPv4 + TCP headers (54 bytes),
// checksum at the TCP header's offset 16.
Header tso4() {
  Header h;
  h.flags = kFlagNeedsCsum;
  h.gso_type = kGsoTcpV4;
  h.hdr_len = 54;
  h.gso_size = 1448;
  h.csum_start = 34;
  h.csum_offset = 16;
  return h;
}

TEST(NetHeader, DecodesTheTwelveLittleEndianBytes) {
  const std::array<uint8_t, kHeaderSize> bytes{0x01, 0x04, 0x36, 0x00, 0xa8, 0x05, 0x22, 0x00, 0x10, 0x00, 0x03, 0x01};
  const Header h = Header::decode(bytes);
  EXPECT_EQ(h.flags, 1);
  EXPECT_EQ(h.gso_type, kGsoTcpV6);
  EXPECT_EQ(h.hdr_len, 54);
  EXPECT_EQ(h.gso_size, 1448);
  EXPECT_EQ(h.csum_start, 34);
  EXPECT_EQ(h.csum_offset, 16);
  EXPECT_EQ(h.num_buffers, 0x103);
}

TEST(NetHeader, PlainFramesAndValidOffloadsPass) {
  EXPECT_EQ(tx_header_problem(Header{}, 60, 0), std::nullopt);
  Header csum;
  csum.flags = kFlagNeedsCsum;
  csum.csum_start = 34;
  csum.csum_offset = 6;  // UDP
  EXPECT_EQ(tx_header_problem(csum, 60, kFeatureCsum), std::nullopt);
  EXPECT_EQ(tx_header_problem(tso4(), 3000, kAllHost), std::nullopt);
  Header tso6 = tso4();
  tso6.gso_type = kGsoTcpV6;
  EXPECT_EQ(tx_header_problem(tso6, 3000, kFeatureCsum | kFeatureHostTso6), std::nullopt);
  // num_buffers means nothing on transmit.
  Header counted;
  counted.num_buffers = 7;
  EXPECT_EQ(tx_header_problem(counted, 60, 0), std::nullopt);
}

TEST(NetHeader, ChecksumOffloadNeedsTheFeatureAndAFieldInsideTheFrame) {
  Header h;
  h.flags = kFlagNeedsCsum;
  h.csum_start = 34;
  h.csum_offset = 16;
  EXPECT_NE(tx_header_problem(h, 100, 0), std::nullopt) << "CSUM not acked";
  EXPECT_EQ(tx_header_problem(h, 52, kFeatureCsum), std::nullopt) << "field at 50..51 of 52 bytes";
  EXPECT_NE(tx_header_problem(h, 51, kFeatureCsum), std::nullopt) << "field ends past the frame";
  h.csum_start = 0xffff;
  h.csum_offset = 0xffff;
  EXPECT_NE(tx_header_problem(h, 65550, kFeatureCsum), std::nullopt) << "no 16-bit wrap-around";
}

TEST(NetHeader, NonsenseSegmentationIsRefused) {
  const auto problem = [](Header h, uint64_t acked, size_t len = 3000) { return tx_header_problem(h, len, acked).has_value(); };
  Header h = tso4();
  EXPECT_TRUE(problem(h, kFeatureCsum | kFeatureHostTso6)) << "TSO4 not acked";
  h.gso_type = kGsoTcpV6;
  EXPECT_TRUE(problem(h, kFeatureCsum | kFeatureHostTso4)) << "TSO6 not acked";
  h.gso_type = kGsoUdp;
  EXPECT_TRUE(problem(h, kAllHost)) << "UFO is never offered";
  h.gso_type = kGsoTcpV4 | kGsoEcn;
  EXPECT_TRUE(problem(h, kAllHost)) << "ECN is never offered";
  h.gso_type = 5;
  EXPECT_TRUE(problem(h, kAllHost)) << "unknown type";
  h = tso4();
  h.flags = 0;
  EXPECT_TRUE(problem(h, kAllHost)) << "segmentation without NEEDS_CSUM";
  h = tso4();
  h.gso_size = 0;
  EXPECT_TRUE(problem(h, kAllHost)) << "segment size 0";
  h = tso4();
  h.hdr_len = 3001;
  EXPECT_TRUE(problem(h, kAllHost)) << "headers longer than the frame";
  h = tso4();
  h.flags |= kFlagDataValid;
  EXPECT_TRUE(problem(h, kAllHost)) << "DATA_VALID is the device's flag";
  h.flags = kFlagNeedsCsum | 4;
  EXPECT_TRUE(problem(h, kAllHost)) << "RSC_INFO";
}

TEST(NetHeader, TapOffloadsFollowTheGuestsAckedReceiveFeatures) {
  EXPECT_EQ(tap_offloads(0), 0u);
  EXPECT_EQ(tap_offloads(kAllHost | kFeatureMrgRxbuf), 0u) << "host-side features say nothing about receive";
  EXPECT_EQ(tap_offloads(kFeatureGuestCsum), unsigned{TUN_F_CSUM});
  EXPECT_EQ(tap_offloads(kFeatureGuestCsum | kFeatureGuestTso4), unsigned{TUN_F_CSUM | TUN_F_TSO4});
  EXPECT_EQ(tap_offloads(kFeatureGuestCsum | kFeatureGuestTso4 | kFeatureGuestTso6),
            unsigned{TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6});
  EXPECT_EQ(tap_offloads(kFeatureGuestTso4 | kFeatureGuestTso6), 0u) << "TSO without checksum offload is no use";
}

}  // namespace
}  // namespace ppc::vmm::net
