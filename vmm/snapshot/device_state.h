#pragma once
// A virtio-mmio device's state as a snapshot keeps it: which device sits in the slot, the
// transport's registers, each queue's layout and positions, and its two interrupt sources'
// XICS state. Plain data (the format library encodes it); the transport fills it from a
// stopped machine and puts it back into a new one (virtio/mmio.h).
#include <cstdint>
#include <string>
#include <vector>

namespace ppc::vmm {

struct QueueState {
  uint16_t size = 0;
  uint64_t desc = 0, avail = 0, used = 0;  // guest physical addresses
  bool ready = false;
  uint16_t next_avail = 0, next_used = 0, published_used = 0;
  bool event_idx = false;
  uint16_t signalled_used = 0;
  bool signalled_valid = false;
  bool operator==(const QueueState&) const = default;
};

struct TransportState {
  uint32_t status = 0;
  uint32_t device_features_sel = 0, driver_features_sel = 0, queue_sel = 0;
  uint64_t driver_features = 0;
  uint32_t config_generation = 0;
  uint32_t interrupt_status = 0;
  bool active = false;  // activated (DRIVER_OK) and not reset since
  std::vector<QueueState> queues;
  bool operator==(const TransportState&) const = default;
};

struct DeviceState {
  std::string name;        // "rng": for messages (letters, digits, '-' and '_')
  uint32_t device_id = 0;  // virtio device ID: a restored slot must hold the same kind
  TransportState transport;
  uint64_t used_buffers_source = 0, config_source = 0;  // KVM_DEV_XICS_GRP_SOURCES values
  bool operator==(const DeviceState&) const = default;
};

}  // namespace ppc::vmm
