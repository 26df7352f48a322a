#include "virtio/net_header.h"

#include <linux/if_tun.h>

namespace ppc::vmm::net {
namespace {

uint16_t le16(std::span<const uint8_t, kHeaderSize> b, size_t at) {
  return static_cast<uint16_t>(b[at] | (b[at + 1] << 8));
}

}  // namespace

Header Header::decode(std::span<const uint8_t, kHeaderSize> b) {
  Header h;
  h.flags = b[0];
  h.gso_type = b[1];
  h.hdr_len = le16(b, 2);
  h.gso_size = le16(b, 4);
  h.csum_start = le16(b, 6);
  h.csum_offset = le16(b, 8);
  h.num_buffers = le16(b, 10);
  return h;
}

std::optional<std::string> tx_header_problem(const Header& h, size_t frame_len, uint64_t acked) {
  if (h.flags & ~kFlagNeedsCsum) return "flags " + std::to_string(h.flags) + " (only NEEDS_CSUM may be sent)";
  const bool needs_csum = h.flags & kFlagNeedsCsum;
  if (needs_csum) {
    if (!(acked & kFeatureCsum)) return std::string("NEEDS_CSUM without the CSUM feature");
    // The 16-bit checksum field lies inside the frame.
    if (size_t{h.csum_start} + h.csum_offset + 2 > frame_len)
      return "checksum at " + std::to_string(h.csum_start) + "+" + std::to_string(h.csum_offset) + " beyond a frame of " +
             std::to_string(frame_len) + " bytes";
  }
  if (h.gso_type == kGsoNone) return std::nullopt;
  const uint64_t needed = h.gso_type == kGsoTcpV4 ? kFeatureHostTso4 : h.gso_type == kGsoTcpV6 ? kFeatureHostTso6 : 0;
  if (!needed || !(acked & needed)) return "GSO type " + std::to_string(h.gso_type) + " not negotiated";
  if (!needs_csum) return std::string("segmentation without NEEDS_CSUM");
  if (h.gso_size == 0) return std::string("segmentation with a segment size of 0");
  if (h.hdr_len > frame_len) return "header length " + std::to_string(h.hdr_len) + " beyond the frame";
  return std::nullopt;
}

unsigned tap_offloads(uint64_t acked) {
  if (!(acked & kFeatureGuestCsum)) return 0;
  unsigned flags = TUN_F_CSUM;
  if (acked & kFeatureGuestTso4) flags |= TUN_F_TSO4;
  if (acked & kFeatureGuestTso6) flags |= TUN_F_TSO6;
  return flags;
}

}  // namespace ppc::vmm::net
