#include "pseries/machine.h"

#include <signal.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <latch>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <thread>

#include "base/error.h"
#include "base/hex.h"
#include "exit_codes.h"
#include "exit_stats.h"
#include "log.h"
#include "pseries/exit_handler.h"
#include "pseries/hcall_table.h"
#include "pseries/hcalls.h"
#include "pseries/machine_builder.h"
#include "pseries/vcpu_runner.h"
#include "sandbox/sandbox.h"
#include "snapshot/device_snapshot.h"
#include "snapshot/machine_restore.h"
#include "snapshot/machine_snapshot.h"
#include "snapshot/snapshot_io.h"
#include "virtio/device_set.h"

namespace ppc::vmm {
namespace {

// A save asked for while the machine is built waits until it runs (SIGUSR2 stays pending
// until run()'s signalfd reads it): its default action would end the VMM half made.
void hold_save_requests() {
  sigset_t save;
  sigemptyset(&save);
  sigaddset(&save, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &save, nullptr);
}

// One machine from its build to its stop. The parts come from machine_builder.h; this class
// wires them together, owns the threads, and is what RTAS calls reach (RtasHost).
class Machine final : public RtasHost {
 public:
  Machine(const MachineConfig& config, Sandbox& sandbox) : config_(config), sandbox_(sandbox) {}
  // The companion's thread may outlive the machine (it is detached at exit): its stop
  // requests reach a machine that still exists or nothing.
  ~Machine() {
    const std::lock_guard lock(companion_stop_->mu);
    companion_stop_->machine = nullptr;
  }
  int run();

  // RtasHost
  void console_write(std::string_view text) override { console_->write(text); }
  void power_off() override {
    guest_ended_ = true;
    request_stop(exit_code::kPowerOff, "guest powered off");
  }
  void reboot() override;
  void os_term(const std::string& message) override {
    guest_ended_ = true;
    request_stop(exit_code::kGuestPanic, "guest called ibm,os-term: " + message);
  }
  int32_t start_cpu(uint32_t cpu, uint64_t entry, uint64_t r3) override { return vcpus_->start_cpu(cpu, entry, r3); }
  int32_t query_cpu_stopped_state(uint32_t cpu, int32_t& state) override {
    return vcpus_->query_stopped_state(cpu, state);
  }
  void stop_self(unsigned cpu) override { vcpus_->stop_self(cpu); }

 private:
  void build();
  void install_hcalls();
  void start_threads();
  void enter_role(Role role, const std::string& label);
  // Returns whether this request is the one that stops the machine.
  bool request_stop(int code, const std::string& reason, bool capture = false);
  // --snapshot-to / --restore-from.
  int save_snapshot();
  void resume_guest();  // a restored one: its devices live again, then its vCPUs
  // The virtio devices, checked against --snapshot-to (then its files are made) or the
  // snapshot being restored.
  std::vector<std::unique_ptr<VirtioDevice>> open_machine_devices();
  // Guest RAM: new, or a snapshot's (private copy-on-write of its file, or a shared copy
  // when a device's backend maps RAM itself).
  std::unique_ptr<GuestMemory> make_guest_memory(bool shared) const;
  int wait_for_stop(int signal_fd);
  void print_stats() const;

  const MachineConfig& config_;
  Sandbox& sandbox_;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<GuestMemory> mem_;
  BootPlan boot_;
  std::unique_ptr<KvmSystem> kvm_;
  std::unique_ptr<Console> console_;
  std::unique_ptr<Vm> vm_;
  MmuSetup mmu_;
  std::unique_ptr<Rtas> rtas_;
  UniqueFd xics_;
  MmioBus bus_;
  std::vector<std::unique_ptr<MmioTransport>> transports_;
  HcallTable hcalls_;
  LimitedLog unclaimed_mmio_{"unclaimed-MMIO", 10};
  const ExitTargets exit_targets_{hcalls_, bus_, unclaimed_mmio_};
  std::unique_ptr<VcpuRunner> vcpus_;
  std::thread loop_thread_;
  std::optional<MachineSnapshot> restore_;
  SnapshotFiles snapshot_files_;
  std::atomic<bool> snapshot_requested_{false};
  uint64_t snapshot_timebase_ = 0;  // the host's timebase once the vCPUs stopped
  std::atomic<bool> guest_ended_{false};  // it powered off, rebooted or gave up (even while being saved)
  std::mutex process_table_mu_;
  std::optional<std::pair<uint64_t, uint64_t>> process_table_;  // the guest's last H_REGISTER_PROC_TBL

  std::latch* sandboxed_ = nullptr;  // counts threads that entered their seccomp role
  std::atomic<bool> sandbox_failed_{false};
  std::mutex stop_mu_;
  std::atomic<bool> stopping_{false};
  int exit_code_ = exit_code::kVmmError;
  std::string exit_reason_;
  const uint64_t start_ns_ = monotonic_ns();
  UniqueFd stopped_event_{::eventfd(0, EFD_CLOEXEC)};
  struct StopGate {
    std::mutex mu;
    Machine* machine = nullptr;
  };
  const std::shared_ptr<StopGate> companion_stop_ = std::make_shared<StopGate>();
};

void Machine::build() {
  // Everything the user gave is checked and opened before a VM exists: sizes, files, devices.
  check_machine_config(config_);
  if (!config_.snapshot_to.empty()) hold_save_requests();
  if (!config_.restore_from.empty()) restore_ = load_snapshot_for(config_);
  BootFiles files = restore_ ? BootFiles{} : open_boot_files(config_);
  loop_ = std::make_unique<EventLoop>();
  std::vector<std::unique_ptr<VirtioDevice>> devices = open_machine_devices();
  mem_ = make_guest_memory(needs_shared_memory(devices));
  if (!restore_) boot_ = load_boot_files(config_, std::move(files), *mem_, devices.size());
  kvm_ = open_kvm(config_, sandbox_.config().kvm_fd);
  console_ = open_console(config_);

  // Everything the VMM needs from the host's file system is open: into the jail, before the VM
  // exists (KVM ties a VM to the process that created it, and the jail forks).
  sandbox_.enter_jail({sandbox_.usable_path(config_.devices.vsock_uds), mem_->host_base(), static_cast<size_t>(mem_->size()),
                       file_size_limit(config_)});
  vm_ = std::make_unique<Vm>(Vm::create(*kvm_, config_.vm_type));
  mmu_ = choose_mmu(*vm_, config_.memory);
  check_snapshot_support(config_, mmu_.hv, mmu_.radix, restore_ ? &*restore_ : nullptr);
  rtas_ = std::make_unique<Rtas>(*mem_, *this);
  vm_->set_memory_region(0, 0, mem_->host_base(), mem_->size());
  xics_ = create_xics(*kvm_, *vm_, *rtas_);
  const size_t device_count = devices.size();
  transports_ = attach_devices(std::move(devices), *mem_, *loop_, *vm_, xics_.get(), bus_);
  std::vector<std::unique_ptr<Vcpu>> vcpus = create_vcpus(*kvm_, *vm_, config_.vcpus, xics_.get(), mmu_);
  if (restore_) {
    // Sources once the vCPUs are connected, then the vCPUs (their XICS presentation state);
    // the devices go live again on the loop thread (run()).
    restore_interrupt_sources(*restore_, transports_, xics_.get());
    restore_vcpus(*restore_, vcpus, *vm_);
    restore_devices(*restore_, transports_);
    process_table_ = restore_->process_table;
  }
  vcpus_ = std::make_unique<VcpuRunner>(std::move(vcpus), *mem_);
  // After the vCPUs: KVM-PR lists 64 KiB pages and 1 TiB segments only once vCPU 0 exists
  // (without them the guest backs each of its 64 KiB pages with sixteen 4 KiB hash entries).
  if (restore_) vcpus_->restore_lpcr_bits(restore_->lpcr_mask, restore_->lpcr_value);
  else write_device_tree(config_, boot_, mmu_, *vm_, *rtas_, device_count, *mem_);
  vcpus_->set_exit_targets(&exit_targets_);
  vcpus_->count_exits(config_.stats);
  install_hcalls();
  const std::string what = restore_ ? "restored from " + config_.restore_from
                                    : "kernel " + config_.kernel + " (" + std::string(kernel_format_name(boot_.kernel.format)) +
                                          "), entry " + hex(boot_.kernel.entry) + ", fdt at " + hex(boot_.layout.fdt_gpa);
  log_line(std::string(mmu_.hv ? "KVM-HV" : "KVM-PR") + " " + (mmu_.radix ? "radix" : "hash") + " guest, " +
           std::to_string(config_.vcpus) + " vCPU(s), " + std::to_string(config_.memory >> 20) + " MiB, " + what);
}

std::vector<std::unique_ptr<VirtioDevice>> Machine::open_machine_devices() {
  DeviceEnv env{*loop_, [this](const std::string& path) { return sandbox_.usable_path(path); },
                [this](pid_t pid, const std::string& name) { sandbox_.add_helper(pid, name); }};
  if (restore_) check_devices_can_be_saved(config_.devices, "--restore-from", "restored");
  if (!config_.snapshot_to.empty()) check_devices_can_be_saved(config_.devices, "--snapshot-to", "saved");
  std::vector<std::unique_ptr<VirtioDevice>> devices = open_devices(config_.devices, env);
  if (restore_) check_devices_match(*restore_, devices);
  if (!config_.snapshot_to.empty()) snapshot_files_ = create_snapshot_files(config_.snapshot_to, config_.memory);
  return devices;
}

std::unique_ptr<GuestMemory> Machine::make_guest_memory(bool shared) const {
  if (!restore_) return std::make_unique<GuestMemory>(config_.memory, shared ? RamBacking::Shared : RamBacking::Private);
  const UniqueFd ram = open_snapshot_ram(config_.restore_from, config_.memory);
  if (!shared) return std::make_unique<GuestMemory>(GuestMemory::copy_on_write_of(ram.get(), config_.memory));
  // A vhost-user backend maps RAM from a memfd, not from the file: a copy, timed.
  const uint64_t start = monotonic_ns();
  uint64_t copied = 0;
  auto mem = std::make_unique<GuestMemory>(GuestMemory::shared_copy_of(ram.get(), config_.memory, &copied));
  log_line("restore: " + std::to_string(copied >> 20) + " MiB of saved RAM copied into shared memory in " +
           std::to_string((monotonic_ns() - start) / 1000000) + " ms");
  return mem;
}

void Machine::resume_guest() {
  try {
    loop_->run_and_wait([this] { reactivate_devices(transports_); });
  } catch (const std::exception& e) {
    request_stop(exit_code::kVmmError, std::string("restoring the devices: ") + e.what());
    return;
  }
  vcpus_->resume(restore_->cpus, resumed_tb_offset(*restore_));
}

int Machine::save_snapshot() {
  if (guest_ended_) throw Error("the guest powered off or rebooted as it was stopped to be saved: nothing saved");
  MachineSnapshot snapshot;
  snapshot.host_timebase = snapshot_timebase_;
  snapshot.memory = config_.memory;
  snapshot.radix = mmu_.radix;
  snapshot.cpus = vcpus_->captured();
  snapshot.devices = capture_devices(transports_, xics_.get());
  std::tie(snapshot.lpcr_mask, snapshot.lpcr_value) = vcpus_->lpcr_bits();
  {
    const std::lock_guard lock(process_table_mu_);
    snapshot.process_table = process_table_;
  }
  write_snapshot(snapshot_files_, *mem_, snapshot);
  log_line("saved to " + config_.snapshot_to + ": " + std::to_string(config_.memory >> 20) + " MiB of RAM, " +
           std::to_string(snapshot.cpus.size()) + " vCPU(s), " + std::to_string(snapshot.devices.size()) + " device(s)");
  return exit_code::kPowerOff;
}

void Machine::install_hcalls() {
  add_console_hcalls(hcalls_, *console_);
  add_set_mode_hcall(hcalls_, [this](uint64_t mask, uint64_t value) { return vcpus_->update_lpcr(mask, value); }, mmu_.hv);
  add_random_hcall(hcalls_);
  add_rtas_hcall(hcalls_, *rtas_);
  const std::optional<kvm_ppc_cpu_char> host = vm_->cpu_characteristics();
  const std::optional<CpuCharacteristics> chars =
      host ? guest_cpu_characteristics({host->character, host->behaviour}, {host->character_mask, host->behaviour_mask})
           : std::nullopt;
  if (chars) {
    add_cpu_characteristics_hcall(hcalls_, *chars);
    log_line("CPU characteristics for the guest, from the host's KVM: character " + hex(chars->character) +
             ", behaviour " + hex(chars->behaviour));
  } else {
    log_line("CPU characteristics: the host's KVM knows none; the guest assumes every mitigation is needed");
  }
  if (mmu_.radix) {
    add_process_table_hcall(hcalls_, *mem_, [this](uint64_t flags, uint64_t table) {
      vm_->configure_v3_mmu(flags, table);
      const std::lock_guard lock(process_table_mu_);
      process_table_ = std::make_pair(flags, table);
    });
  }
  if (!mmu_.pr_hash_table.bytes().empty()) add_hash_read_hcall(hcalls_, mmu_.pr_hash_table.bytes());
}

int Machine::run() {
  try {
    build();
  } catch (...) {
    snapshot_files_.discard();  // not confined yet: nothing is saved by a machine that never ran
    throw;
  }
  // Every fd is open and the VM is built: no capability is needed from here on. Before any
  // thread exists, so that every thread inherits the dropped state.
  sandbox_.drop_privileges();
  log_line(sandbox_.summary());
  companion_stop_->machine = this;
  sandbox_.start_companion([gate = companion_stop_](int code, const std::string& reason) {
    const std::lock_guard lock(gate->mu);
    if (gate->machine) gate->machine->request_stop(code, reason);
  });

  // The main thread takes SIGTERM/SIGINT/SIGHUP through a signalfd; every thread inherits
  // them blocked, and the vCPU threads unblock only the kick.
  sigset_t signals;
  sigemptyset(&signals);
  for (const int sig : {SIGTERM, SIGINT, SIGHUP, VcpuRunner::kKickSignal}) sigaddset(&signals, sig);
  if (snapshot_files_.state.valid()) sigaddset(&signals, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  sigdelset(&signals, VcpuRunner::kKickSignal);
  UniqueFd signal_fd(::signalfd(-1, &signals, SFD_CLOEXEC));
  if (!signal_fd.valid()) throw_errno("signalfd");

  start_threads();
  // The boot CPU starts once every thread exists (request_stop may signal any of them), and
  // only when every thread entered its role (a failed one may not have asked to stop yet).
  if (!stopping_ && !sandbox_failed_) {
    if (restore_) resume_guest();
    else vcpus_->start_cpu(0, boot_.kernel.entry, boot_.layout.fdt_gpa);
  }
  int code = wait_for_stop(signal_fd.get());
  vcpus_->join();
  // Read once every vCPU stopped: the guest's clock never goes back when it is restored (it
  // may run on a little after a stop request).
  snapshot_timebase_ = __builtin_ppc_get_timebase();
  loop_->stop();
  loop_thread_.join();
  try {
    if (snapshot_requested_) code = save_snapshot();
  } catch (...) {
    snapshot_files_.discard();
    throw;
  }
  snapshot_files_.discard();  // ended without a save (a save has put its files in place)
  if (config_.stats) print_stats();
  return code;
}

void Machine::start_threads() {
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
  vcpus_->start_threads([this](unsigned id) { enter_role(Role::Vcpu, "vcpu " + std::to_string(id)); },
                        [this](unsigned id, const std::string& message) {
                          request_stop(exit_code::kVmmError, "vCPU " + std::to_string(id) + ": " + message);
                        });
  sandboxed.wait();
  sandboxed_ = nullptr;
  if (sandbox_failed_) return;
  try {
    sandbox_.enter_thread(Role::Main, "main");
  } catch (const std::exception& e) {
    request_stop(exit_code::kVmmError, std::string("main thread: ") + e.what());
  }
}

void Machine::enter_role(Role role, const std::string& label) {
  // A thread name (comm, 15 characters) tells the threads apart in ps and /proc/<pid>/task.
  ::prctl(PR_SET_NAME, label.substr(0, 15).c_str(), 0, 0, 0);
  // Counted down whatever happens, so the main thread never waits for a thread that failed.
  std::latch& sandboxed = *sandboxed_;
  try {
    sandbox_.enter_thread(role, label);
  } catch (...) {
    sandbox_failed_ = true;
    sandboxed.count_down();
    throw;
  }
  sandboxed.count_down();
}

void Machine::reboot() {
  guest_ended_ = true;
  const std::string panic = console_->panic_line();
  if (!panic.empty()) request_stop(exit_code::kGuestPanic, "guest kernel panic: " + panic);
  else request_stop(exit_code::kGuestReboot, "guest asked for a reboot");
}

bool Machine::request_stop(int code, const std::string& reason, bool capture) {
  {
    std::lock_guard lock(stop_mu_);
    if (stopping_) return false;
    exit_code_ = code;
    exit_reason_ = reason;
    stopping_ = true;
  }
  if (vcpus_) capture ? vcpus_->stop_and_capture() : vcpus_->stop();
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(stopped_event_.get(), &one, sizeof one);
  return true;
}

int Machine::wait_for_stop(int signal_fd) {
  pollfd fds[2] = {{stopped_event_.get(), POLLIN, 0}, {signal_fd, POLLIN, 0}};
  while (true) {
    if (::poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents & POLLIN) {
      signalfd_siginfo info{};
      if (::read(signal_fd, &info, sizeof info) == sizeof info) {
        const int sig = static_cast<int>(info.ssi_signo);
        if (sig == SIGUSR2) {
          // A device that cannot be saved now refuses the save and the guest runs on. (One the
          // guest starts using between here and the stop still fails the save: backstop.)
          if (const std::string why = why_devices_not_saveable(transports_); !why.empty()) {
            const std::string what = "not saved to " + config_.snapshot_to + ": " + why;
            if (!config_.exit_when_not_saved) {
              log_line(what + "; the guest runs on");
              continue;
            }
            // A template's maker waits for this VMM: it learns at once that there is none.
            request_stop(exit_code::kVmmError, what);
            break;
          }
          snapshot_requested_ = request_stop(exit_code::kPowerOff, "stopped to be saved to " + config_.snapshot_to, true);
        } else {
          request_stop(128 + sig, std::string("stopped by signal ") + strsignal(sig));
        }
        break;
      }
    }
    if (fds[0].revents & POLLIN) break;
  }
  std::lock_guard lock(stop_mu_);
  log_line(exit_reason_ + " (exit " + std::to_string(exit_code_) + ")");
  return exit_code_;
}

void Machine::print_stats() const {
  const auto ms = [&](uint64_t t) { return t ? std::to_string((t - start_ns_) / 1000000) + " ms" : std::string("never"); };
  log_line("stats: first KVM_RUN " + ms(vcpus_->first_run_ns()) + ", first console output " +
           ms(console_->first_output_ns()) + ", stopped " + ms(monotonic_ns()));
  log_line("stats: " + vcpus_->stats().summary());
}

}  // namespace

int run_machine(const MachineConfig& config, Sandbox& sandbox) {
  Machine machine(config, sandbox);
  return machine.run();
}

}  // namespace ppc::vmm
