#pragma once
// Builds the flattened device tree a firmware-less pSeries guest boots with (libfdt's
// sequential-write API): what Linux's prom.c and pseries platform code read before any
// device exists.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ppc::vmm {

struct CpuDescription {
  uint32_t pvr = 0;
  uint32_t timebase_hz = 512000000;
  uint32_t slb_size = 0;                     // 0: property omitted
  std::vector<uint32_t> segment_page_sizes;  // ibm,segment-page-sizes cells; empty: omitted
  bool one_tb_segments = false;
  // ibm,processor-radix-AP-encodings cells (AP << 29 | page shift), radix guests only; empty:
  // omitted, and Linux then maps its memory with 64 KiB pages only.
  std::vector<uint32_t> radix_ap_encodings;
  // L1 cache sizes in bytes (d-cache-size, i-cache-size); 0: omitted. Linux sizes the L1D
  // displacement flush it runs at kernel entry and exit (its Meltdown/L1TF fallback) by
  // d-cache-size; without it the guest flushes 64 KiB, twice a POWER9's or POWER10's L1D.
  uint32_t l1d_bytes = 0;
  uint32_t l1i_bytes = 0;
};

// ibm,mmu-pid-bits of a radix guest: 2^16 address spaces (twice the guest's default pid_max,
// which a container cannot raise), a 1 MiB process table.
inline constexpr uint32_t kGuestPidBits = 16;

struct VirtioMmioNode {
  uint64_t base;
  uint64_t size;
  uint32_t used_buffers_irq;  // XICS source numbers
  uint32_t config_irq;
  // The per-queue notify window (kernel/patches/guest/0005), the node's second "reg" entry;
  // none when notify_size is 0.
  uint64_t notify_base = 0;
  uint64_t notify_size = 0;
};

struct FdtInputs {
  uint64_t ram_size = 0;
  unsigned vcpus = 1;
  CpuDescription cpu;
  bool radix = false;      // offer radix in /chosen/ibm,architecture-vec-5 and pa-features
  uint32_t hpt_order = 0;  // log2 of the hash table size for ibm,pft-size (hash guests)
  std::string bootargs;
  uint64_t initrd_start = 0;
  uint64_t initrd_size = 0;  // 0: no initrd properties
  uint64_t rtas_base = 0;
  uint32_t rtas_size = 0;
  std::vector<std::pair<std::string, uint32_t>> rtas_tokens;  // property name -> token
  std::optional<std::array<uint32_t, 4>> hcall_instructions;  // ePAPR paravirt (KVM_PPC_GET_PVINFO)
  std::vector<VirtioMmioNode> virtio;
};

std::vector<uint8_t> build_fdt(const FdtInputs& in);
// An upper bound of build_fdt's size, known before KVM is asked anything (for the layout).
size_t fdt_size_bound(unsigned vcpus, size_t bootargs_size, size_t virtio_devices = 8);

}  // namespace ppc::vmm
