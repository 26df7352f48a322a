#pragma once
// The host kernel's vhost interface (<linux/vhost.h>, <linux/vhost_types.h>) as C++ can use
// it: those headers pull in <linux/virtio_ring.h>, whose inline C does not compile as C++. The
// structures are the kernel's stable user ABI; the request numbers are encoded for the
// architecture being built (ppc64 and x86 differ). vmm/tests/virtio/vhost_abi_test.cpp checks
// every value and size here against the kernel's own headers, compiled as C.
#include <asm/ioctl.h>

#include <cstdint>

namespace ppc::vmm::vhost_abi {

constexpr unsigned kIoctlType = 0xaf;  // VHOST_VIRTIO

struct VringState {  // struct vhost_vring_state
  uint32_t index;
  uint32_t num;
};

struct VringFile {  // struct vhost_vring_file; fd -1 unsets (for NET_SET_BACKEND: detaches)
  uint32_t index;
  int32_t fd;
};

struct VringAddr {  // struct vhost_vring_addr: the rings as addresses in the owner's memory
  uint32_t index;
  uint32_t flags;
  uint64_t desc_user_addr;
  uint64_t used_user_addr;
  uint64_t avail_user_addr;
  uint64_t log_guest_addr;
};

struct MemoryRegion {  // struct vhost_memory_region
  uint64_t guest_phys_addr;
  uint64_t memory_size;
  uint64_t userspace_addr;
  uint64_t flags_padding;
};

struct MemoryTable {  // struct vhost_memory with one region (ours: all RAM from guest physical 0)
  uint32_t nregions;
  uint32_t padding;
  MemoryRegion regions[1];
};
constexpr unsigned kMemoryHeaderSize = 8;  // sizeof(struct vhost_memory): the request encodes it

static_assert(sizeof(VringState) == 8 && sizeof(VringFile) == 8 && sizeof(VringAddr) == 40);
static_assert(sizeof(MemoryRegion) == 32 && sizeof(MemoryTable) == kMemoryHeaderSize + sizeof(MemoryRegion));

constexpr unsigned long kGetFeatures = _IOC(_IOC_READ, kIoctlType, 0x00, sizeof(uint64_t));
constexpr unsigned long kSetFeatures = _IOC(_IOC_WRITE, kIoctlType, 0x00, sizeof(uint64_t));
constexpr unsigned long kSetOwner = _IOC(_IOC_NONE, kIoctlType, 0x01, 0);
constexpr unsigned long kSetMemTable = _IOC(_IOC_WRITE, kIoctlType, 0x03, kMemoryHeaderSize);
constexpr unsigned long kSetVringNum = _IOC(_IOC_WRITE, kIoctlType, 0x10, sizeof(VringState));
constexpr unsigned long kSetVringAddr = _IOC(_IOC_WRITE, kIoctlType, 0x11, sizeof(VringAddr));
constexpr unsigned long kSetVringBase = _IOC(_IOC_WRITE, kIoctlType, 0x12, sizeof(VringState));
constexpr unsigned long kSetVringKick = _IOC(_IOC_WRITE, kIoctlType, 0x20, sizeof(VringFile));
constexpr unsigned long kSetVringCall = _IOC(_IOC_WRITE, kIoctlType, 0x21, sizeof(VringFile));
constexpr unsigned long kNetSetBackend = _IOC(_IOC_WRITE, kIoctlType, 0x30, sizeof(VringFile));

// Feature bits only vhost knows (the rest are virtio's).
constexpr uint64_t kFeatureLogAll = 1ull << 26;       // VHOST_F_LOG_ALL: dirty logging, never asked
constexpr uint64_t kFeatureNetVirtioHdr = 1ull << 27; // VHOST_NET_F_VIRTIO_NET_HDR: never asked (the tap has it)

}  // namespace ppc::vmm::vhost_abi
