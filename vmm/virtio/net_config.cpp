#include "virtio/net_config.h"

#include <linux/if_tun.h>

#include <algorithm>

#include "virtio/net_header.h"

namespace ppc::vmm::net {

uint64_t offered_features(uint16_t mtu) {
  // Never GUEST_TSO without MRG_RXBUF offered beside it: a driver without mergeable buffers
  // would post 64 KiB+ buffers of many descriptors each.
  return kFeatureMac | kFeatureMrgRxbuf | kFeatureCsum | kFeatureGuestCsum | kFeatureHostTso4 | kFeatureHostTso6 |
         kFeatureGuestTso4 | kFeatureGuestTso6 | (mtu ? kFeatureMtu : 0);
}

void read_config(const Mac& mac, uint16_t mtu, uint64_t offset, std::span<uint8_t> out) {
  std::array<uint8_t, 12> config{};
  std::copy(mac.begin(), mac.end(), config.begin());
  // le16 status at 6 stays 0: STATUS is not offered, and the driver keeps the link up.
  config[8] = 1;  // le16 max_virtqueue_pairs
  config[10] = static_cast<uint8_t>(mtu);
  config[11] = static_cast<uint8_t>(mtu >> 8);
  for (size_t i = 0; i < out.size(); ++i) {
    const uint64_t at = offset + i;
    out[i] = at >= offset && at < config.size() ? config[at] : 0;  // at < offset: wrapped around
  }
}

std::string describe_activation(const std::string& who, unsigned tap_offloads, uint64_t acked) {
  std::string offloads;
  if (tap_offloads & TUN_F_CSUM) offloads += " csum";
  if (tap_offloads & TUN_F_TSO4) offloads += " tso4";
  if (tap_offloads & TUN_F_TSO6) offloads += " tso6";
  return "virtio-net " + who + ": driver ready; tap offloads" + (offloads.empty() ? " none" : offloads) +
         ((acked & kFeatureMrgRxbuf) ? "; mergeable receive buffers" : "; no mergeable receive buffers");
}

}  // namespace ppc::vmm::net
