#pragma once
// What a virtio-net device shows its driver, the same whichever backend moves the frames (the
// VMM itself, net.h, or the host kernel's vhost-net, vhost_net.h): the network feature bits,
// the configuration space and the log's account of an activation.
#include <array>
#include <cstdint>
#include <span>
#include <string>

namespace ppc::vmm::net {

using Mac = std::array<uint8_t, 6>;

// The MAC, checksum offload and TCP segmentation both ways, mergeable receive buffers, and
// the MTU when one is given (mtu 0: none).
uint64_t offered_features(uint16_t mtu);

// {u8 mac[6], le16 status, le16 max_virtqueue_pairs = 1, le16 mtu} at offset; past it, 0.
void read_config(const Mac& mac, uint16_t mtu, uint64_t offset, std::span<uint8_t> out);

// "virtio-net <who>: driver ready; tap offloads csum tso4 tso6; mergeable receive buffers"
std::string describe_activation(const std::string& who, unsigned tap_offloads, uint64_t acked);

}  // namespace ppc::vmm::net
