#pragma once
// The steps that assemble a pSeries machine, in the order machine.cpp takes them. Each step
// is small and names what it checks; the order is fixed by two rules: everything the user
// named is opened and checked before any VM exists (bad input exits 2 with nothing made),
// and the jail comes before KVM_CREATE_VM (a VM belongs to the process that made it).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/mapping.h"
#include "base/unique_fd.h"
#include "boot/kernel_loader.h"
#include "bus/mmio_bus.h"
#include "console.h"
#include "event_loop.h"
#include "kvm/kvm_system.h"
#include "kvm/vm.h"
#include "memory/guest_memory.h"
#include "pseries/layout.h"
#include "pseries/machine.h"
#include "pseries/rtas.h"
#include "virtio/device.h"
#include "virtio/mmio.h"

namespace ppc::vmm {

// Throws ConfigError for a vCPU count or RAM size the machine cannot have.
void check_machine_config(const MachineConfig& config);

// The kernel and initramfs files, mapped until their bytes are in guest RAM.
struct BootFiles {
  std::optional<FileImage> kernel;
  std::optional<FileImage> initrd;
};
BootFiles open_boot_files(const MachineConfig& config);

// The guest's console: the VMM's stderr or a file the user named.
std::unique_ptr<Console> open_console(const MachineConfig& config);

// The jailed VMM's RLIMIT_FSIZE: the largest file it may have to write, the console file
// (its total and the notices), its log, a writable drive, a snapshot's RAM; a write past it fails
// with EFBIG.
uint64_t file_size_limit(const MachineConfig& config);

// Loads the kernel and initramfs into guest RAM and plans where the device tree and RTAS go.
// The files' mappings end here: the jail's supervisor and the VMM would otherwise keep the
// pages they touched in their RSS for the VM's life.
struct BootPlan {
  LoadedKernel kernel;
  BootLayout layout;
  uint64_t initrd_size = 0;
  uint32_t timebase_hz = 0;  // the host's, read here: /proc is out of sight in the jail
};
BootPlan load_boot_files(const MachineConfig& config, BootFiles files, const GuestMemory& mem, size_t device_count);

// From /proc/cpuinfo; the guest's timebase is the host's.
uint32_t read_host_timebase_hz();

// /dev/kvm: handed in open (--kvm-fd) or opened at the path; checks the vCPU count against it.
std::unique_ptr<KvmSystem> open_kvm(const MachineConfig& config, int kvm_fd);

// A hash table for KVM-PR: VMM memory aligned to its own size (SDR1 holds its user address).
struct HashTable {
  Mapping mapping;
  uint64_t base = 0;
  uint32_t order = 0;
  std::span<const uint8_t> bytes() const {
    return base ? std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(base), size_t{1} << order)
                : std::span<const uint8_t>();
  }
};

// The MMU KVM gave us: radix on KVM-HV where offered, hash otherwise (KVM-HV allocates the
// hash table itself, KVM-PR reads one from our memory).
struct MmuSetup {
  bool hv = false;
  bool radix = false;
  uint32_t hpt_order = 0;  // hash guests
  HashTable pr_hash_table; // KVM-PR only
};
MmuSetup choose_mmu(Vm& vm, uint64_t memory);

// Writes the device tree and the RTAS blob into guest RAM.
void write_device_tree(const MachineConfig& config, const BootPlan& boot, const MmuSetup& mmu, Vm& vm,
                       const Rtas& rtas, size_t device_count, const GuestMemory& mem);

// The in-kernel XICS: interrupt presentation and the xive RTAS calls never leave the kernel.
UniqueFd create_xics(const KvmSystem& kvm, Vm& vm, const Rtas& rtas);

// Puts each device behind a virtio-mmio transport at its window, with its interrupt source
// (masked until the guest unmasks it), notifications wired into KVM and its window on the bus.
std::vector<std::unique_ptr<MmioTransport>> attach_devices(std::vector<std::unique_ptr<VirtioDevice>> devices,
                                                           const GuestMemory& mem, EventLoop& loop, Vm& vm,
                                                           int xics_fd, MmioBus& bus);

// The vCPUs, each connected to the XICS; on KVM-PR with the host's PVR, HIOR 0 and our table.
std::vector<std::unique_ptr<Vcpu>> create_vcpus(const KvmSystem& kvm, const Vm& vm, unsigned count, int xics_fd,
                                                const MmuSetup& mmu);

}  // namespace ppc::vmm
