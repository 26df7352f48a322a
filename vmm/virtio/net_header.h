#pragma once
// virtio-net's feature bits (the ones this device offers) and the 12-byte header in front of
// every frame, struct virtio_net_hdr_v1 (little-endian; <linux/virtio_net.h> does not compile
// as C++). The tap carries the same header, so frames pass through with it; what the guest
// puts in it is checked here before a frame reaches the host.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace ppc::vmm::net {

constexpr uint64_t kFeatureCsum = 1ull << 0;        // the guest sends partially checksummed frames
constexpr uint64_t kFeatureGuestCsum = 1ull << 1;   // the guest takes partially checksummed frames
constexpr uint64_t kFeatureMtu = 1ull << 3;         // config mtu is valid
constexpr uint64_t kFeatureMac = 1ull << 5;         // config mac is valid
constexpr uint64_t kFeatureGuestTso4 = 1ull << 7;   // the guest takes TCPv4 GSO frames
constexpr uint64_t kFeatureGuestTso6 = 1ull << 8;
constexpr uint64_t kFeatureHostTso4 = 1ull << 11;   // the guest sends TCPv4 GSO frames
constexpr uint64_t kFeatureHostTso6 = 1ull << 12;
constexpr uint64_t kFeatureMrgRxbuf = 1ull << 15;   // a received frame may span several buffers

constexpr size_t kHeaderSize = 12;
constexpr size_t kEthernetHeader = 14;
// The largest frame a tap hands over or takes: a 64 KiB GSO packet and its Ethernet header.
constexpr size_t kMaxFrame = 65536 + kEthernetHeader;

constexpr uint8_t kFlagNeedsCsum = 1, kFlagDataValid = 2;
constexpr uint8_t kGsoNone = 0, kGsoTcpV4 = 1, kGsoUdp = 3, kGsoTcpV6 = 4, kGsoEcn = 0x80;

struct Header {
  uint8_t flags = 0;
  uint8_t gso_type = 0;
  uint16_t hdr_len = 0;
  uint16_t gso_size = 0;
  uint16_t csum_start = 0;
  uint16_t csum_offset = 0;
  uint16_t num_buffers = 0;

  static Header decode(std::span<const uint8_t, kHeaderSize> bytes);
};

// Why the guest's header for a frame of frame_len bytes (after the header) must not reach the
// host, given the features the driver acked; nullopt when it may. Only what the driver may
// send is allowed: NEEDS_CSUM with CSUM and a checksum field inside the frame, TCPv4/TCPv6
// segmentation with the matching HOST_TSO feature, a segment size and NEEDS_CSUM. No ECN, UDP
// or other GSO kinds (never offered), no receive-side flags.
std::optional<std::string> tx_header_problem(const Header& header, size_t frame_len, uint64_t acked);

// The tap's offloads (TUN_F_* for TUNSETOFFLOAD) that the guest's acked features allow: what
// the tap may hand to the guest. TSO only with checksum offload, as the guest needs both.
unsigned tap_offloads(uint64_t acked);

}  // namespace ppc::vmm::net
