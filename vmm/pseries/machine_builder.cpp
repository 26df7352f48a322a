#include "pseries/machine_builder.h"

#include <linux/kvm.h>
#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>

#include "base/error.h"
#include "base/hex.h"
#include "config_error.h"
#include "log.h"
#include "pseries/fdt_builder.h"

namespace ppc::vmm {
namespace {

uint32_t host_pvr() {
  uint64_t pvr;
  asm volatile("mfpvr %0" : "=r"(pvr));
  return static_cast<uint32_t>(pvr);
}

// The host's L1 cache size as its kernel tells processes (from its own device tree), for the
// guest's device tree; 0 when the kernel does not know it.
uint32_t host_l1_cache_bytes(unsigned long type) {
  const unsigned long bytes = ::getauxval(type);
  return bytes <= UINT32_MAX ? static_cast<uint32_t>(bytes) : 0;
}

}  // namespace

uint32_t read_host_timebase_hz() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line))
    if (line.rfind("timebase", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return static_cast<uint32_t>(std::stoul(line.substr(colon + 1)));
    }
  return 512000000;
}

namespace {

// ibm,segment-page-sizes from what KVM can map for this VM.
std::vector<uint32_t> segment_page_sizes(const kvm_ppc_smmu_info& info) {
  std::vector<uint32_t> cells;
  for (const auto& sps : info.sps) {
    if (!sps.page_shift) break;
    std::vector<uint32_t> encs;
    for (const auto& enc : sps.enc) {
      if (!enc.page_shift) break;
      encs.push_back(enc.page_shift);
      encs.push_back(enc.pte_enc);
    }
    cells.push_back(sps.page_shift);
    cells.push_back(sps.slb_enc);
    cells.push_back(static_cast<uint32_t>(encs.size() / 2));
    cells.insert(cells.end(), encs.begin(), encs.end());
  }
  return cells;
}

HashTable allocate_pr_hash_table(uint32_t order) {
  const uint64_t size = 1ull << order;
  HashTable t;
  t.mapping = Mapping::anonymous(2 * size, "KVM-PR hash page table");
  t.base = (reinterpret_cast<uint64_t>(t.mapping.data()) + size - 1) & ~(size - 1);
  t.order = order;
  return t;
}

// Linux's rule of thumb: a hash table of 1/128 of RAM, between 256 KiB and 16 MiB.
uint32_t hash_table_order(uint64_t ram) {
  uint32_t order = 18;
  while (order < 24 && (1ull << (order + 7)) < ram) ++order;
  return order;
}

// ibm,processor-radix-AP-encodings from what KVM can map for a radix VM. Without them Linux
// maps its linear map and vmemmap with 64 KiB pages only, not 2 MiB and 1 GiB: more TLB misses
// for every copy the kernel makes (QEMU passes the same list).
std::vector<uint32_t> radix_ap_encodings(const Vm& vm) {
  std::vector<uint32_t> cells;
  if (const auto info = vm.radix_mmu_info())
    for (const uint32_t encoding : info->ap_encodings)
      if (encoding) cells.push_back(encoding);
  return cells;
}

CpuDescription describe_cpu(const Vm& vm, uint32_t timebase_hz, bool radix) {
  const kvm_ppc_smmu_info smmu = vm.smmu_info();
  CpuDescription cpu;
  cpu.pvr = host_pvr();
  cpu.timebase_hz = timebase_hz;
  cpu.slb_size = smmu.slb_size;
  cpu.segment_page_sizes = segment_page_sizes(smmu);
  cpu.one_tb_segments = smmu.flags & KVM_PPC_1T_SEGMENTS;
  cpu.l1d_bytes = host_l1_cache_bytes(AT_L1D_CACHESIZE);
  cpu.l1i_bytes = host_l1_cache_bytes(AT_L1I_CACHESIZE);
  if (radix) cpu.radix_ap_encodings = radix_ap_encodings(vm);
  return cpu;
}

MmioTransport::Interrupts virtio_interrupts(size_t device_index) {
  const uint32_t first = kVirtioFirstIrq + kVirtioIrqsPerDevice * static_cast<uint32_t>(device_index);
  return {first, first + 1};
}

template <typename Fn>
auto as_config_error(const std::string& option, Fn&& fn) {
  try {
    return fn();
  } catch (const ConfigError&) {
    throw;
  } catch (const Error& e) {
    throw ConfigError(option + ": " + e.what());
  }
}

}  // namespace

void check_machine_config(const MachineConfig& config) {
  if (config.vcpus < 1 || config.vcpus > kMaxVcpus)
    throw ConfigError("--vcpus " + std::to_string(config.vcpus) + ": between 1 and " + std::to_string(kMaxVcpus));
  if (config.memory < (16ull << 20) || config.memory % (1ull << 20))
    throw ConfigError("--memory " + std::to_string(config.memory) + " bytes: a whole number of MiB, at least 16 MiB");
  if (config.memory > kVirtioMmioBase)
    throw ConfigError("--memory " + std::to_string(config.memory >> 20) + " MiB: at most " +
                      std::to_string(kVirtioMmioBase >> 20) + " MiB");
}

BootFiles open_boot_files(const MachineConfig& config) {
  BootFiles files;
  files.kernel = as_config_error("--kernel", [&] { return FileImage::open(config.kernel); });
  if (!config.initrd.empty()) files.initrd = as_config_error("--initrd", [&] { return FileImage::open(config.initrd); });
  return files;
}

uint64_t file_size_limit(const MachineConfig& config) {
  // The log's lines are limited per kind (each bad-input logger keeps a fixed count): far
  // below this, which leaves room for a --log file appended to by earlier runs.
  constexpr uint64_t kLogRoom = 64ull << 20;
  constexpr uint64_t kNoticeRoom = 64 << 10;
  uint64_t limit = std::max(kLogRoom, config.console_limits.total + kNoticeRoom);
  if (!config.snapshot_to.empty()) limit = std::max(limit, config.memory);  // the saved RAM
  for (const DriveConfig& drive : config.devices.drives) {
    struct stat st {};
    if (!drive.read_only && ::stat(drive.path.c_str(), &st) == 0) limit = std::max(limit, static_cast<uint64_t>(st.st_size));
  }
  return limit;
}

std::unique_ptr<Console> open_console(const MachineConfig& config) {
  const int in = config.console_input ? STDIN_FILENO : -1;
  if (config.console == "-") return std::make_unique<Console>(STDERR_FILENO, UniqueFd(), in);
  UniqueFd fd(::open(config.console.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) throw_errno("--console: open " + config.console);
  const int raw = fd.get();
  return std::make_unique<Console>(raw, std::move(fd), in, config.console_limits);
}

BootPlan load_boot_files(const MachineConfig& config, BootFiles files, const GuestMemory& mem, size_t device_count) {
  BootPlan plan;
  plan.kernel = as_config_error("--kernel", [&] {
    return load_kernel(mem, files.kernel->bytes(), config.kernel, config.raw_kernel);
  });
  plan.initrd_size = files.initrd ? files.initrd->bytes().size() : 0;
  plan.timebase_hz = read_host_timebase_hz();  // /proc is out of sight in the jail
  plan.layout = plan_boot_layout(config.memory, plan.kernel.load_end, plan.initrd_size,
                                 fdt_size_bound(config.vcpus, config.cmdline.size(), device_count));
  files.kernel.reset();
  if (files.initrd) mem.write(plan.layout.initrd_gpa, files.initrd->bytes());
  return plan;
}

std::unique_ptr<KvmSystem> open_kvm(const MachineConfig& config, int kvm_fd) {
  auto kvm = std::make_unique<KvmSystem>(kvm_fd >= 0 ? with_context("--kvm-fd", [&] { return KvmSystem::adopt(UniqueFd(kvm_fd)); })
                                                     : KvmSystem::open(config.kvm_path));
  const int max_vcpus = kvm->check_extension(KVM_CAP_MAX_VCPUS);
  if (max_vcpus > 0 && config.vcpus > static_cast<unsigned>(max_vcpus))
    throw ConfigError("--vcpus " + std::to_string(config.vcpus) + ": this host's KVM allows " + std::to_string(max_vcpus));
  if (!kvm->check_extension(KVM_CAP_IRQ_XICS)) throw Error("this host's KVM has no in-kernel XICS (KVM_CAP_IRQ_XICS)");
  return kvm;
}

MmuSetup choose_mmu(Vm& vm, uint64_t memory) {
  MmuSetup mmu;
  mmu.hv = !vm.pvinfo().has_value();  // KVM-PR alone answers KVM_PPC_GET_PVINFO
  mmu.radix = mmu.hv && vm.check_extension(KVM_CAP_PPC_MMU_RADIX);
  if (mmu.radix) return mmu;
  mmu.hpt_order = hash_table_order(memory);
  if (mmu.hv) mmu.hpt_order = vm.allocate_htab(mmu.hpt_order);
  else mmu.pr_hash_table = allocate_pr_hash_table(mmu.hpt_order);
  return mmu;
}

void write_device_tree(const MachineConfig& config, const BootPlan& boot, const MmuSetup& mmu, Vm& vm,
                       const Rtas& rtas, size_t device_count, const GuestMemory& mem) {
  const uint32_t timebase_hz = boot.timebase_hz;
  FdtInputs fdt{};
  fdt.ram_size = config.memory;
  fdt.vcpus = config.vcpus;
  fdt.cpu = describe_cpu(vm, timebase_hz, mmu.radix);
  fdt.radix = mmu.radix;
  fdt.hpt_order = mmu.hpt_order;
  fdt.bootargs = config.cmdline;
  fdt.initrd_size = boot.initrd_size;
  fdt.initrd_start = boot.layout.initrd_gpa;
  fdt.rtas_size = Rtas::kBlobSize;
  fdt.rtas_base = boot.layout.rtas_gpa;
  fdt.rtas_tokens = rtas.tokens();
  for (size_t i = 0; i < device_count; ++i) {
    const MmioTransport::Interrupts irqs = virtio_interrupts(i);
    const uint64_t base = kVirtioMmioBase + i * kVirtioMmioStride;
    fdt.virtio.push_back({base, MmioTransport::kRegistersSize, irqs.used_buffers, irqs.config,
                          base + MmioTransport::kNotifyOffset, MmioTransport::kNotifySize});
  }
  if (const auto pvinfo = vm.pvinfo())
    fdt.hcall_instructions = std::array<uint32_t, 4>{pvinfo->hcall[0], pvinfo->hcall[1], pvinfo->hcall[2], pvinfo->hcall[3]};
  mem.write(boot.layout.fdt_gpa, build_fdt(fdt));
  rtas.write_blob(boot.layout.rtas_gpa);
}

UniqueFd create_xics(const KvmSystem&, Vm& vm, const Rtas& rtas) {
  UniqueFd xics = vm.create_device(KVM_DEV_TYPE_XICS);
  for (const auto& [name, token] : rtas.xics_tokens()) vm.define_rtas_token(name, token);
  return xics;
}

static_assert(MmioTransport::kWindowSize <= kVirtioMmioStride, "a device's window would overlap the next device's");

std::vector<std::unique_ptr<MmioTransport>> attach_devices(std::vector<std::unique_ptr<VirtioDevice>> devices,
                                                           const GuestMemory& mem, EventLoop& loop, Vm& vm,
                                                           int xics_fd, MmioBus& bus) {
  std::vector<std::unique_ptr<MmioTransport>> transports;
  for (size_t i = 0; i < devices.size(); ++i) {
    const MmioTransport::Interrupts irqs = virtio_interrupts(i);
    const uint64_t base = kVirtioMmioBase + i * kVirtioMmioStride;
    // Sources start masked; the guest unmasks them through ibm,set-xive/int-on (in KVM).
    for (const uint32_t irq : {irqs.used_buffers, irqs.config})
      Vm::set_device_attr(xics_fd, KVM_DEV_XICS_GRP_SOURCES, irq,
                          KVM_XICS_MASKED | (uint64_t{KVM_XICS_PRIORITY_MASK} << KVM_XICS_PRIORITY_SHIFT));
    const std::string name = "virtio-" + devices[i]->name();
    auto transport = std::make_unique<MmioTransport>(mem, loop, std::move(devices[i]), base, irqs);
    transport->connect(vm);
    bus.add(base, MmioTransport::kWindowSize, *transport, name);
    transports.push_back(std::move(transport));
  }
  return transports;
}

std::vector<std::unique_ptr<Vcpu>> create_vcpus(const KvmSystem& kvm, const Vm& vm, unsigned count, int xics_fd,
                                                const MmuSetup& mmu) {
  std::vector<std::unique_ptr<Vcpu>> vcpus;
  for (unsigned id = 0; id < count; ++id) {
    auto v = std::make_unique<Vcpu>(vm.create_vcpu(kvm, id));
    v->enable_cap(KVM_CAP_PPC_PAPR);  // `sc 1` comes to the hypervisor; KVM-HV refuses to run without it
    v->enable_cap(KVM_CAP_IRQ_XICS, static_cast<uint64_t>(xics_fd), id);
    if (!mmu.hv) {
      v->set_one_reg(KVM_REG_PPC_HIOR, 0);  // KVM-PR's default 0xfff00000 is unbacked
      kvm_sregs sregs = v->get_sregs();
      sregs.pvr = host_pvr();  // else a PPC970
      sregs.u.s.sdr1 = mmu.pr_hash_table.base | (mmu.pr_hash_table.order - 18);  // KVM-PR reads the HPT from VMM memory
      v->set_sregs(sregs);
    }
    vcpus.push_back(std::move(v));
  }
  return vcpus;
}

}  // namespace ppc::vmm
