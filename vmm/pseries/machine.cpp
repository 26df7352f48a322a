#include "pseries/machine.h"

#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <latch>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/error.h"
#include "base/hex.h"
#include "boot/kernel_loader.h"
#include "config_error.h"
#include "console.h"
#include "exit_codes.h"
#include "exit_stats.h"
#include "kvm/exit_reason.h"
#include "kvm/kvm_system.h"
#include "memory/guest_memory.h"
#include "pseries/fdt_builder.h"
#include "pseries/fp_guard.h"
#include "pseries/hcalls.h"
#include "pseries/layout.h"
#include "pseries/papr.h"
#include "pseries/rtas.h"
#include "event_loop.h"
#include "sandbox/sandbox.h"
#include "virtio/blk.h"
#include "virtio/mmio.h"
#include "virtio/rng.h"
#include "virtio/vsock.h"

namespace ppc::vmm {
namespace {

constexpr int kKickSignal = SIGUSR1;  // interrupts KVM_RUN in a vCPU thread

void on_kick(int) {}

uint32_t host_pvr() {
  uint64_t pvr;
  asm volatile("mfpvr %0" : "=r"(pvr));
  return static_cast<uint32_t>(pvr);
}

// The timebase frequency the host runs at; the guest's timebase is the host's.
uint32_t host_timebase_hz() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line))
    if (line.rfind("timebase", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return static_cast<uint32_t>(std::stoul(line.substr(colon + 1)));
    }
  return 512000000;
}

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

// A hash table for KVM-PR: VMM memory aligned to its own size (SDR1 holds its user address).
struct HashTable {
  Mapping mapping;
  uint64_t base = 0;
  uint32_t order = 0;
};

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

class Machine final : public RtasHost, public HcallHost {
 public:
  Machine(const MachineConfig& config, Sandbox& sandbox) : config_(config), sandbox_(sandbox) {}
  int run();

  // RtasHost
  void console_write(std::string_view text) override { console_->write(text); }
  void power_off() override { request_stop(exit_code::kPowerOff, "guest powered off"); }
  void reboot() override;
  void os_term(const std::string& message) override {
    request_stop(exit_code::kGuestPanic, "guest called ibm,os-term: " + message);
  }
  int32_t start_cpu(uint32_t cpu, uint64_t entry, uint64_t r3) override;
  int32_t query_cpu_stopped_state(uint32_t cpu, int32_t& state) override;
  void stop_self(unsigned cpu) override;

  // HcallHost
  size_t console_read(char* buf, size_t max) override { return console_->read(buf, max); }
  int64_t update_lpcr(uint64_t mask, uint64_t value) override;
  bool is_radix() const override { return radix_; }
  bool is_hv() const override { return hv_; }
  int64_t register_process_table(uint64_t flags, uint64_t base, uint64_t size_field) override;
  int64_t rtas(unsigned cpu, uint64_t args_gpa) override { return rtas_->call(cpu, args_gpa); }
  std::span<const uint8_t> owned_hash_table() const override {
    if (!pr_hash_table_.base) return {};
    return {reinterpret_cast<const uint8_t*>(pr_hash_table_.base), size_t{1} << pr_hash_table_.order};
  }

 private:
  enum class CpuState { Stopped, StartRequested, Running };
  struct Cpu {
    std::unique_ptr<Vcpu> vcpu;
    std::thread thread;
    CpuState state = CpuState::Stopped;
    uint64_t entry = 0, r3 = 0;
    bool stop_self = false;     // set by stop-self from the CPU's own thread
    uint64_t lpcr_applied = 0;  // LPCR generation last written to this vCPU
    ExitStats stats;            // touched only by this CPU's thread until it is joined
  };

  void open_console();
  void create_devices();
  void connect_devices();
  void handle_mmio(unsigned id, kvm_run& run);
  void set_up_vcpu(Cpu& cpu, unsigned id);
  void enter_role(Role role, const std::string& label);
  void vcpu_thread(unsigned id);
  void run_until_stopped(unsigned id);
  void apply_lpcr(Cpu& cpu);
  void request_stop(int code, const std::string& reason);
  int wait_for_stop(int signal_fd);
  void print_stats() const;

  const MachineConfig& config_;
  Sandbox& sandbox_;
  std::string vsock_path_;          // --vsock-uds as the VMM uses it (absolute in the jail)
  std::latch* sandboxed_ = nullptr; // counts threads that entered their seccomp role
  std::atomic<bool> sandbox_failed_{false};
  std::unique_ptr<Console> console_;
  std::unique_ptr<GuestMemory> mem_;
  std::unique_ptr<KvmSystem> kvm_;
  std::unique_ptr<Vm> vm_;
  std::unique_ptr<Rtas> rtas_;
  UniqueFd xics_;
  HashTable pr_hash_table_;
  std::unique_ptr<EventLoop> loop_;
  std::vector<std::unique_ptr<VirtioDevice>> pending_devices_;  // opened before the VM exists
  std::vector<std::unique_ptr<MmioTransport>> transports_;
  std::thread loop_thread_;
  bool hv_ = false, radix_ = false;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Cpu> cpus_;
  uint64_t lpcr_mask_ = 0, lpcr_value_ = 0, lpcr_generation_ = 0;
  std::atomic<bool> stopping_{false};
  int exit_code_ = exit_code::kVmmError;
  std::string exit_reason_;
  const uint64_t start_ns_ = monotonic_ns();
  std::atomic<uint64_t> first_run_ns_{0};
  UniqueFd stopped_event_{::eventfd(0, EFD_CLOEXEC)};
};

void Machine::open_console() {
  const int in = config_.console_input ? STDIN_FILENO : -1;
  if (config_.console == "-") {
    console_ = std::make_unique<Console>(STDERR_FILENO, UniqueFd(), in);
    return;
  }
  UniqueFd fd(::open(config_.console.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) throw_errno("--console: open " + config_.console);
  const int raw = fd.get();
  console_ = std::make_unique<Console>(raw, std::move(fd), in);
}

int Machine::run() {
  // Everything the user gave is checked before a VM exists: files, sizes, counts.
  if (config_.vcpus < 1 || config_.vcpus > kMaxVcpus)
    throw ConfigError("--vcpus " + std::to_string(config_.vcpus) + ": between 1 and " + std::to_string(kMaxVcpus));
  if (config_.memory < (16ull << 20) || config_.memory % (1ull << 20))
    throw ConfigError("--memory " + std::to_string(config_.memory) + " bytes: a whole number of MiB, at least 16 MiB");
  // The files' mappings live only until their bytes are in guest RAM, before the jail forks:
  // otherwise the jail's supervisor and the VMM would keep the pages they touched (9 MiB of
  // a kernel, the whole initramfs) in their RSS for the VM's life.
  std::optional<FileImage> kernel_file;
  try { kernel_file = FileImage::open(config_.kernel); } catch (const Error& e) { throw ConfigError(std::string("--kernel: ") + e.what()); }
  std::optional<FileImage> initrd_file;
  if (!config_.initrd.empty()) {
    try { initrd_file = FileImage::open(config_.initrd); } catch (const Error& e) { throw ConfigError(std::string("--initrd: ") + e.what()); }
  }
  if (config_.memory > kVirtioMmioBase)
    throw ConfigError("--memory " + std::to_string(config_.memory >> 20) + " MiB: at most " + std::to_string(kVirtioMmioBase >> 20) + " MiB");
  loop_ = std::make_unique<EventLoop>();
  create_devices();
  mem_ = std::make_unique<GuestMemory>(config_.memory);
  LoadedKernel kernel;
  try {
    kernel = load_kernel(*mem_, kernel_file->bytes(), config_.kernel, config_.raw_kernel);
  } catch (const ConfigError&) {
    throw;
  } catch (const Error& e) {
    throw ConfigError(std::string("--kernel: ") + e.what());
  }
  const uint64_t initrd_size = initrd_file ? initrd_file->bytes().size() : 0;
  const BootLayout layout =
      plan_boot_layout(config_.memory, kernel.load_end, initrd_size,
                       fdt_size_bound(config_.vcpus, config_.cmdline.size(), pending_devices_.size()));
  kernel_file.reset();
  if (initrd_file) mem_->write(layout.initrd_gpa, initrd_file->bytes());
  initrd_file.reset();

  const int kvm_fd = sandbox_.config().kvm_fd;
  kvm_ = std::make_unique<KvmSystem>(kvm_fd >= 0 ? with_context("--kvm-fd", [&] { return KvmSystem::adopt(UniqueFd(kvm_fd)); })
                                                 : KvmSystem::open(config_.kvm_path));
  const int max_vcpus = kvm_->check_extension(KVM_CAP_MAX_VCPUS);
  if (max_vcpus > 0 && config_.vcpus > static_cast<unsigned>(max_vcpus))
    throw ConfigError("--vcpus " + std::to_string(config_.vcpus) + ": this host's KVM allows " + std::to_string(max_vcpus));
  const uint32_t timebase_hz = host_timebase_hz();  // /proc is out of sight in the jail
  open_console();

  // Everything the VMM needs from the host's file system is open: into the jail, before the VM
  // exists (KVM ties a VM to the process that created it, and the jail forks).
  sandbox_.enter_jail({vsock_path_, mem_->host_base(), static_cast<size_t>(mem_->size())});
  vm_ = std::make_unique<Vm>(Vm::create(*kvm_, config_.vm_type));

  // The flavour KVM gave us decides the MMU: radix on KVM-HV where offered, hash otherwise.
  const auto pvinfo = vm_->pvinfo();
  hv_ = !pvinfo.has_value();
  radix_ = hv_ && vm_->check_extension(KVM_CAP_PPC_MMU_RADIX);
  uint32_t hpt_order = 0;
  if (!radix_) {
    hpt_order = hash_table_order(config_.memory);
    if (hv_) hpt_order = vm_->allocate_htab(hpt_order);
    else pr_hash_table_ = allocate_pr_hash_table(hpt_order);
  }
  const kvm_ppc_smmu_info smmu = vm_->smmu_info();

  rtas_ = std::make_unique<Rtas>(*mem_, *this);
  FdtInputs fdt{};
  fdt.ram_size = config_.memory;
  fdt.vcpus = config_.vcpus;
  fdt.cpu.pvr = host_pvr();
  fdt.cpu.timebase_hz = timebase_hz;
  fdt.cpu.slb_size = smmu.slb_size;
  fdt.cpu.segment_page_sizes = segment_page_sizes(smmu);
  fdt.cpu.one_tb_segments = smmu.flags & KVM_PPC_1T_SEGMENTS;
  fdt.radix = radix_;
  fdt.hpt_order = hpt_order;
  fdt.bootargs = config_.cmdline;
  fdt.initrd_size = initrd_size;
  fdt.rtas_size = Rtas::kBlobSize;
  fdt.rtas_tokens = rtas_->tokens();
  for (size_t i = 0; i < pending_devices_.size(); ++i)
    fdt.virtio.push_back({kVirtioMmioBase + i * kVirtioMmioStride, MmioTransport::kWindowSize,
                          kVirtioFirstIrq + static_cast<uint32_t>(i)});
  if (pvinfo) fdt.hcall_instructions = std::array<uint32_t, 4>{pvinfo->hcall[0], pvinfo->hcall[1], pvinfo->hcall[2], pvinfo->hcall[3]};
  fdt.initrd_start = layout.initrd_gpa;
  fdt.rtas_base = layout.rtas_gpa;
  const std::vector<uint8_t> blob = build_fdt(fdt);
  mem_->write(layout.fdt_gpa, blob);
  rtas_->write_blob(layout.rtas_gpa);

  vm_->set_memory_region(0, 0, mem_->host_base(), mem_->size());

  // In-kernel XICS: interrupt presentation and the xive RTAS calls never leave the kernel.
  if (!kvm_->check_extension(KVM_CAP_IRQ_XICS)) throw Error("this host's KVM has no in-kernel XICS (KVM_CAP_IRQ_XICS)");
  xics_ = vm_->create_device(KVM_DEV_TYPE_XICS);
  for (const auto& [name, token] : rtas_->xics_tokens()) vm_->define_rtas_token(name, token);
  connect_devices();

  std::fprintf(stderr, "ppc-kvm-vmm: %s %s guest, %u vCPU(s), %llu MiB, kernel %s (%s), entry %s, fdt at %s\n",
               hv_ ? "KVM-HV" : "KVM-PR", radix_ ? "radix" : "hash", config_.vcpus,
               static_cast<unsigned long long>(config_.memory >> 20), config_.kernel.c_str(),
               std::string(kernel_format_name(kernel.format)).c_str(), hex(kernel.entry).c_str(), hex(layout.fdt_gpa).c_str());

  cpus_.resize(config_.vcpus);
  for (unsigned id = 0; id < config_.vcpus; ++id) set_up_vcpu(cpus_[id], id);

  // Every fd is open and the VM is built: no capability is needed from here on. Before any
  // thread exists, so that every thread inherits the dropped state.
  sandbox_.drop_privileges();
  std::fprintf(stderr, "ppc-kvm-vmm: %s\n", sandbox_.summary().c_str());
  sandbox_.start_companion_unjailed();

  // Signals: the main thread takes SIGTERM/SIGINT/SIGHUP through a signalfd; vCPU threads
  // inherit them blocked and get the kick signal unblocked.
  struct sigaction sa {};
  sa.sa_handler = on_kick;
  sigaction(kKickSignal, &sa, nullptr);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGHUP);
  sigaddset(&stop_signals, kKickSignal);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  sigdelset(&stop_signals, kKickSignal);
  UniqueFd signal_fd(::signalfd(-1, &stop_signals, SFD_CLOEXEC));
  if (!signal_fd.valid()) throw_errno("signalfd");

  // Each thread installs its role's seccomp filter first thing; the guest starts once all have.
  std::latch sandboxed(1 + config_.vcpus);
  sandboxed_ = &sandboxed;
  loop_thread_ = std::thread([this] {
    try {
      enter_role(Role::Device, "device");
      loop_->run();
    } catch (const std::exception& e) {
      request_stop(exit_code::kVmmError, std::string("device thread: ") + e.what());
    }
  });
  for (unsigned id = 0; id < config_.vcpus; ++id) cpus_[id].thread = std::thread(&Machine::vcpu_thread, this, id);
  sandboxed.wait();
  if (!sandbox_failed_) {
    try {
      sandbox_.enter_thread(Role::Main, "main");
    } catch (const std::exception& e) {
      request_stop(exit_code::kVmmError, std::string("main thread: ") + e.what());
    }
  }
  // The boot CPU starts once every thread exists (request_stop may signal any of them).
  if (!stopping_) start_cpu(0, kernel.entry, layout.fdt_gpa);
  const int code = wait_for_stop(signal_fd.get());
  for (auto& cpu : cpus_) cpu.thread.join();
  loop_->stop();
  loop_thread_.join();
  if (config_.stats) print_stats();
  return code;
}

void Machine::create_devices() {
  // Files and sockets the user named are opened now, before any VM exists (exit 2 on error).
  try {
    for (const auto& drive : config_.drives) pending_devices_.push_back(std::make_unique<BlkDevice>(drive.path, drive.read_only));
    if (!config_.vsock_uds.empty()) {
      if (config_.vsock_cid < 3 || config_.vsock_cid > 0xffffffffull)
        throw ConfigError("--vsock-cid " + std::to_string(config_.vsock_cid) + ": 3 or more (0-2 are reserved)");
      vsock_path_ = sandbox_.usable_path(config_.vsock_uds);
      pending_devices_.push_back(std::make_unique<VsockDevice>(*loop_, config_.vsock_cid, vsock_path_));
    }
    if (config_.rng) pending_devices_.push_back(std::make_unique<RngDevice>());
  } catch (const ConfigError&) {
    throw;
  } catch (const Error& e) {
    throw ConfigError(e.what());
  }
}

void Machine::connect_devices() {
  for (size_t i = 0; i < pending_devices_.size(); ++i) {
    const uint32_t irq = kVirtioFirstIrq + static_cast<uint32_t>(i);
    // Sources start masked; the guest unmasks them through ibm,set-xive/int-on (in KVM).
    Vm::set_device_attr(xics_.get(), KVM_DEV_XICS_GRP_SOURCES, irq,
                        KVM_XICS_MASKED | (uint64_t{KVM_XICS_PRIORITY_MASK} << KVM_XICS_PRIORITY_SHIFT));
    auto transport = std::make_unique<MmioTransport>(*mem_, *loop_, std::move(pending_devices_[i]),
                                                     kVirtioMmioBase + i * kVirtioMmioStride, irq);
    transport->connect(*vm_);
    transports_.push_back(std::move(transport));
  }
  pending_devices_.clear();
}

void Machine::handle_mmio(unsigned id, kvm_run& run) {
  const uint64_t addr = run.mmio.phys_addr;
  const uint32_t len = run.mmio.len;
  if (addr >= kVirtioMmioBase && len <= 8) {
    const uint64_t index = (addr - kVirtioMmioBase) / kVirtioMmioStride;
    const uint64_t offset = (addr - kVirtioMmioBase) % kVirtioMmioStride;
    if (index < transports_.size() && offset + len <= MmioTransport::kWindowSize) {
      MmioTransport& t = *transports_[index];
      if (run.mmio.is_write) t.write(offset, std::span<const uint8_t>(run.mmio.data, len));
      else t.read(offset, std::span<uint8_t>(run.mmio.data, len));
      return;
    }
  }
  // Nothing lives there: reads see all-ones (like an unclaimed bus), writes are dropped.
  if (!run.mmio.is_write) std::memset(run.mmio.data, 0xff, std::min<uint32_t>(len, sizeof run.mmio.data));
  static std::atomic<int> logged{0};
  if (logged++ < 10)
    std::fprintf(stderr, "ppc-kvm-vmm: vCPU %u: %s of %u bytes at unclaimed guest address %s\n", id,
                 run.mmio.is_write ? "write" : "read", len, hex(addr).c_str());
}

void Machine::set_up_vcpu(Cpu& cpu, unsigned id) {
  cpu.vcpu = std::make_unique<Vcpu>(vm_->create_vcpu(*kvm_, id));
  Vcpu& v = *cpu.vcpu;
  v.enable_cap(KVM_CAP_PPC_PAPR);  // `sc 1` comes to the hypervisor; KVM-HV refuses to run without it
  v.enable_cap(KVM_CAP_IRQ_XICS, static_cast<uint64_t>(xics_.get()), id);
  if (!hv_) {
    v.set_one_reg(KVM_REG_PPC_HIOR, 0);  // KVM-PR's default 0xfff00000 is unbacked
    kvm_sregs sregs = v.get_sregs();
    sregs.pvr = host_pvr();                                     // else a PPC970
    sregs.u.s.sdr1 = pr_hash_table_.base | (pr_hash_table_.order - 18);  // KVM-PR reads the HPT from VMM memory
    v.set_sregs(sregs);
  }
}

void Machine::apply_lpcr(Cpu& cpu) {
  uint64_t mask, value, generation;
  {
    std::lock_guard lock(mu_);
    mask = lpcr_mask_, value = lpcr_value_, generation = lpcr_generation_;
  }
  if (cpu.lpcr_applied == generation) return;
  const uint64_t lpcr = cpu.vcpu->get_one_reg(KVM_REG_PPC_LPCR_64);
  cpu.vcpu->set_one_reg(KVM_REG_PPC_LPCR_64, (lpcr & ~mask) | (value & mask));
  cpu.lpcr_applied = generation;
}

int64_t Machine::update_lpcr(uint64_t mask, uint64_t value) {
  // Recorded for every vCPU; each applies it in its own thread before its next KVM_RUN.
  std::lock_guard lock(mu_);
  lpcr_value_ = (lpcr_value_ & ~mask) | (value & mask);
  lpcr_mask_ |= mask;
  ++lpcr_generation_;
  return papr::kSuccess;
}

int64_t Machine::register_process_table(uint64_t flags, uint64_t base, uint64_t size_field) {
  if ((flags & papr::kProcTableNew) != papr::kProcTableNew || !(flags & papr::kProcTableRadix)) return papr::kParameter;
  if (size_field > 24) return papr::kP4;
  const uint64_t size = 1ull << (size_field + 12);
  if (base % size || !mem_->contains(base, size)) return papr::kP2;
  const uint64_t mmu_flags = KVM_PPC_MMUV3_RADIX | ((flags & papr::kProcTableGtse) ? KVM_PPC_MMUV3_GTSE : 0);
  // PATB_GR (bit 63) marks a radix process table; without it KVM refuses with EINVAL.
  vm_->configure_v3_mmu(mmu_flags, base | size_field | (1ull << 63));
  return papr::kSuccess;
}

void Machine::reboot() {
  const std::string panic = console_->panic_line();
  if (!panic.empty()) request_stop(exit_code::kGuestPanic, "guest kernel panic: " + panic);
  else request_stop(exit_code::kGuestReboot, "guest asked for a reboot");
}

int32_t Machine::start_cpu(uint32_t id, uint64_t entry, uint64_t r3) {
  std::lock_guard lock(mu_);
  if (id >= cpus_.size() || cpus_[id].state != CpuState::Stopped) return papr::kRtasParameterError;
  if (!mem_->contains(entry, 4)) return papr::kRtasParameterError;
  cpus_[id].entry = entry;
  cpus_[id].r3 = r3;
  cpus_[id].state = CpuState::StartRequested;
  cv_.notify_all();
  return papr::kRtasSuccess;
}

int32_t Machine::query_cpu_stopped_state(uint32_t id, int32_t& state) {
  std::lock_guard lock(mu_);
  if (id >= cpus_.size()) return papr::kRtasParameterError;
  state = cpus_[id].state == CpuState::Stopped ? 0 : 2;
  return papr::kRtasSuccess;
}

void Machine::stop_self(unsigned id) { cpus_[id].stop_self = true; }

void Machine::request_stop(int code, const std::string& reason) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    exit_code_ = code;
    exit_reason_ = reason;
    stopping_ = true;
    cv_.notify_all();
  }
  // Kick every vCPU out of KVM_RUN; immediate_exit covers one that is just about to enter.
  for (auto& cpu : cpus_) {
    if (!cpu.vcpu) continue;
    cpu.vcpu->run_area().immediate_exit = 1;
    if (cpu.thread.joinable()) pthread_kill(cpu.thread.native_handle(), kKickSignal);
  }
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(stopped_event_.get(), &one, sizeof one);
}

int Machine::wait_for_stop(int signal_fd) {
  int code = 0;
  bool by_signal = false;
  pollfd fds[2] = {{stopped_event_.get(), POLLIN, 0}, {signal_fd, POLLIN, 0}};
  while (true) {
    if (::poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents & POLLIN) {
      signalfd_siginfo info{};
      if (::read(signal_fd, &info, sizeof info) == sizeof info) {
        request_stop(128 + static_cast<int>(info.ssi_signo),
                     std::string("stopped by signal ") + strsignal(static_cast<int>(info.ssi_signo)));
        by_signal = true;
      }
    }
    if (fds[0].revents & POLLIN) break;
    if (by_signal) break;
  }
  std::lock_guard lock(mu_);
  code = exit_code_;
  std::fprintf(stderr, "ppc-kvm-vmm: %s (exit %d)\n", exit_reason_.c_str(), code);
  return code;
}

void Machine::enter_role(Role role, const std::string& label) {
  // A thread name (comm, 15 characters) tells the threads apart in ps and /proc/<pid>/task.
  ::prctl(PR_SET_NAME, label.substr(0, 15).c_str(), 0, 0, 0);
  // Counted down whatever happens, so the main thread never waits for a thread that failed.
  try {
    sandbox_.enter_thread(role, label);
  } catch (...) {
    sandbox_failed_ = true;
    sandboxed_->count_down();
    throw;
  }
  sandboxed_->count_down();
}

void Machine::vcpu_thread(unsigned id) {
  sigset_t kick;
  sigemptyset(&kick);
  sigaddset(&kick, kKickSignal);
  pthread_sigmask(SIG_UNBLOCK, &kick, nullptr);
  try {
    enter_role(Role::Vcpu, "vcpu " + std::to_string(id));
    run_until_stopped(id);
  } catch (const std::exception& e) {
    request_stop(exit_code::kVmmError, "vCPU " + std::to_string(id) + ": " + e.what());
  }
}

void Machine::run_until_stopped(unsigned id) {
  Cpu& cpu = cpus_[id];
  Vcpu& v = *cpu.vcpu;
  while (true) {
    // Wait to be started (vCPU 0 already is; secondaries by RTAS start-cpu).
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || cpu.state == CpuState::StartRequested; });
      if (stopping_) return;
      cpu.state = CpuState::Running;
    }
    kvm_regs regs{};
    regs.pc = cpu.entry;
    regs.gpr[3] = cpu.r3;
    regs.msr = papr::kMsrSf | papr::kMsrMe;
    v.set_regs(regs);
    cpu.stop_self = false;

    while (!cpu.stop_self) {
      apply_lpcr(cpu);
      bool exited;
      if (id == 0 && first_run_ns_ == 0) first_run_ns_ = monotonic_ns();
      {
        FpVectorGuard guard;  // KVM_RUN in the rig clobbers f14-f31/v20-v31 (DESIGN.md)
        exited = v.run();
      }
      if (stopping_) return;
      if (!exited) continue;  // a kick we do not need
      kvm_run& run = v.run_area();
      ++cpu.stats.by_reason[run.exit_reason];
      if (run.exit_reason == KVM_EXIT_PAPR_HCALL) ++cpu.stats.hcalls[run.papr_hcall.nr];
      switch (run.exit_reason) {
        case KVM_EXIT_PAPR_HCALL: {
          uint64_t args[9];
          std::copy(std::begin(run.papr_hcall.args), std::end(run.papr_hcall.args), args);
          run.papr_hcall.ret = static_cast<uint64_t>(handle_hcall(*this, id, run.papr_hcall.nr, args));
          std::copy(std::begin(args), std::end(args), run.papr_hcall.args);
          break;
        }
        case KVM_EXIT_MMIO:
          handle_mmio(id, run);
          break;
        case KVM_EXIT_INTR:
          break;
        default: {
          const kvm_regs now = v.get_regs();
          throw Error("unexpected exit " + exit_reason_name(run.exit_reason) + " at guest pc " + hex(now.pc));
        }
      }
    }
    std::lock_guard lock(mu_);
    cpu.state = CpuState::Stopped;
  }
}

void Machine::print_stats() const {
  ExitStats all;
  for (const auto& cpu : cpus_) all.merge(cpu.stats);
  const auto ms = [&](uint64_t t) { return t ? std::to_string((t - start_ns_) / 1000000) + " ms" : std::string("never"); };
  std::fprintf(stderr, "ppc-kvm-vmm: stats: first KVM_RUN %s, first console output %s, stopped %s\n",
               ms(first_run_ns_).c_str(), ms(console_->first_output_ns()).c_str(), ms(monotonic_ns()).c_str());
  std::fprintf(stderr, "ppc-kvm-vmm: stats: %s\n", all.summary().c_str());
}

}  // namespace

int run_machine(const MachineConfig& config, Sandbox& sandbox) {
  Machine machine(config, sandbox);
  return machine.run();
}

}  // namespace ppc::vmm
