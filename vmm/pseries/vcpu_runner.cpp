#include "pseries/vcpu_runner.h"

#include <pthread.h>
#include <signal.h>

#include "base/error.h"
#include "base/hex.h"
#include "kvm/exit_reason.h"
#include "pseries/fp_guard.h"
#include "pseries/papr.h"

namespace ppc::vmm {
namespace {

static_assert(VcpuRunner::kKickSignal == SIGUSR1);

void on_kick(int) {}

}  // namespace

VcpuRunner::VcpuRunner(std::vector<std::unique_ptr<Vcpu>> vcpus, const GuestMemory& mem) : mem_(mem) {
  cpus_.resize(vcpus.size());
  for (size_t i = 0; i < vcpus.size(); ++i) cpus_[i].vcpu = std::move(vcpus[i]);
}

VcpuRunner::~VcpuRunner() {
  stop();
  join();
}

int32_t VcpuRunner::start_cpu(uint32_t id, uint64_t entry, uint64_t r3) {
  std::lock_guard lock(mu_);
  if (id >= cpus_.size() || cpus_[id].state != State::Stopped) return papr::kRtasParameterError;
  if (!mem_.contains(entry, 4)) return papr::kRtasParameterError;
  cpus_[id].entry = entry;
  cpus_[id].r3 = r3;
  cpus_[id].state = State::StartRequested;
  cv_.notify_all();
  return papr::kRtasSuccess;
}

int32_t VcpuRunner::query_stopped_state(uint32_t id, int32_t& state) {
  std::lock_guard lock(mu_);
  if (id >= cpus_.size()) return papr::kRtasParameterError;
  state = cpus_[id].state == State::Stopped ? 0 : 2;
  return papr::kRtasSuccess;
}

void VcpuRunner::stop_self(unsigned id) {
  if (id < cpus_.size()) cpus_[id].stop_self = true;  // only ever from vCPU id's own thread
}

int64_t VcpuRunner::update_lpcr(uint64_t mask, uint64_t value) {
  std::lock_guard lock(mu_);
  lpcr_value_ = (lpcr_value_ & ~mask) | (value & mask);
  lpcr_mask_ |= mask;
  ++lpcr_generation_;
  return papr::kSuccess;
}

void VcpuRunner::start_threads(std::function<void(unsigned)> on_thread_start,
                               std::function<void(unsigned, const std::string&)> on_error) {
  on_thread_start_ = std::move(on_thread_start);
  on_error_ = std::move(on_error);
  // The kick only has to interrupt KVM_RUN: a handler that does nothing (not SIG_IGN, whose
  // signals never interrupt anything). vCPU threads unblock it; every other thread keeps it blocked.
  struct sigaction sa {};
  sa.sa_handler = on_kick;
  sigaction(VcpuRunner::kKickSignal, &sa, nullptr);
  for (unsigned id = 0; id < cpus_.size(); ++id) cpus_[id].thread = std::thread(&VcpuRunner::thread_body, this, id);
}

void VcpuRunner::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_.exchange(true)) return;
    cv_.notify_all();
  }
  // immediate_exit covers a vCPU that is just about to enter KVM_RUN; the signal one inside it.
  for (auto& cpu : cpus_) {
    if (!cpu.vcpu) continue;
    cpu.vcpu->run_area().immediate_exit = 1;
    if (cpu.thread.joinable()) pthread_kill(cpu.thread.native_handle(), VcpuRunner::kKickSignal);
  }
}

void VcpuRunner::stop_and_capture() {
  capturing_ = true;
  stop();
}

std::vector<VcpuState> VcpuRunner::captured() const {
  std::vector<VcpuState> states;
  for (size_t id = 0; id < cpus_.size(); ++id) {
    const Cpu& cpu = cpus_[id];
    if (!cpu.captured) {
      throw Error("vCPU " + std::to_string(id) + ": its state was not captured" +
                  (cpu.capture_error.empty() ? std::string() : ": " + cpu.capture_error));
    }
    // Decided from where each CPU ended up once all had stopped: another CPU's last exit may
    // have started it (RTAS start-cpu) after it saved its registers, or its own stopped it.
    VcpuState state = *cpu.captured;
    state.running = cpu.state == State::StartRequested || (cpu.state == State::Running && !cpu.stop_self);
    if (cpu.state == State::StartRequested) state.regs = entry_registers(cpu);  // not yet entered
    with_context("vCPU " + std::to_string(id), [&] { refresh_interrupt_presentation(*cpu.vcpu, state); });
    states.push_back(std::move(state));
  }
  return states;
}

void VcpuRunner::resume(const std::vector<VcpuState>& states, std::optional<uint64_t> tb_offset) {
  std::lock_guard lock(mu_);
  for (size_t id = 0; id < cpus_.size() && id < states.size(); ++id) {
    // Every CPU, a stopped one too when it is started later: their timebases must agree.
    cpus_[id].resume_tb_offset = tb_offset;
    if (!states[id].running) continue;
    cpus_[id].resume = true;
    cpus_[id].state = State::StartRequested;
  }
  cv_.notify_all();
}

std::pair<uint64_t, uint64_t> VcpuRunner::lpcr_bits() {
  std::lock_guard lock(mu_);
  return {lpcr_mask_, lpcr_value_};
}

void VcpuRunner::restore_lpcr_bits(uint64_t mask, uint64_t value) {
  std::lock_guard lock(mu_);
  lpcr_mask_ = mask;
  lpcr_value_ = value;
  ++lpcr_generation_;
}

void VcpuRunner::capture(Cpu& cpu) {
  try {
    cpu.captured = capture_vcpu_state(*cpu.vcpu);
  } catch (const std::exception& e) {
    cpu.capture_error = e.what();
  }
}

void VcpuRunner::join() {
  for (auto& cpu : cpus_)
    if (cpu.thread.joinable()) cpu.thread.join();
}

ExitStats VcpuRunner::stats() const {
  ExitStats all;
  for (const auto& cpu : cpus_) all.merge(cpu.stats);
  return all;
}

void VcpuRunner::thread_body(unsigned id) {
  sigset_t kick;
  sigemptyset(&kick);
  sigaddset(&kick, VcpuRunner::kKickSignal);
  pthread_sigmask(SIG_UNBLOCK, &kick, nullptr);
  try {
    if (on_thread_start_) on_thread_start_(id);
    while (wait_until_started(cpus_[id])) run_started(id);
    if (capturing_) capture(cpus_[id]);
  } catch (const std::exception& e) {
    if (capturing_) cpus_[id].capture_error = e.what();
    if (on_error_) on_error_(id, e.what());
  }
}

bool VcpuRunner::wait_until_started(Cpu& cpu) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return stopping_ || cpu.state == State::StartRequested; });
  if (stopping_) return false;
  cpu.state = State::Running;
  return true;
}

void VcpuRunner::run_started(unsigned id) {
  Cpu& cpu = cpus_[id];
  Vcpu& v = *cpu.vcpu;
  if (!cpu.resume) v.set_regs(entry_registers(cpu));
  if (cpu.resume_tb_offset) v.set_one_reg(KVM_REG_PPC_TB_OFFSET, *cpu.resume_tb_offset);
  cpu.resume_tb_offset.reset();
  cpu.resume = false;
  cpu.stop_self = false;
  while (!cpu.stop_self) {
    apply_lpcr(cpu);
    if (first_run_ns_ == 0 && id == 0) first_run_ns_ = monotonic_ns();
    bool exited;
    {
      FpVectorGuard guard;  // KVM_RUN in the rig clobbers f14-f31/v20-v31 (DESIGN.md)
      exited = v.run();
    }
    if (stopping_) {
      if (capturing_) finish_exit(v, id, exited);
      return;
    }
    if (!exited) continue;  // a kick we do not need
    if (handle_exit(v.run_area(), id, *targets_, count_exits_ ? &cpu.stats : nullptr) == ExitOutcome::kUnexpected) {
      throw Error("unexpected exit " + exit_reason_name(v.run_area().exit_reason) + " at guest pc " +
                  hex(v.get_regs().pc));
    }
  }
  std::lock_guard lock(mu_);
  cpu.state = State::Stopped;
}

// Before a capture: the exit KVM_RUN returned is handled and KVM_RUN entered once more with
// immediate_exit set, which puts its answer in the registers (the hypercall's return values,
// the MMIO load's data) and returns without running the guest.
void VcpuRunner::finish_exit(Vcpu& v, unsigned id, bool exited) {
  v.run_area().immediate_exit = 1;
  // A multi-part MMIO access exits again for its next part; a few rounds end any of them.
  for (int round = 0; exited && round < 8; ++round) {
    if (handle_exit(v.run_area(), id, *targets_, nullptr) == ExitOutcome::kUnexpected) {
      throw Error("unexpected exit " + exit_reason_name(v.run_area().exit_reason) + " while stopping to be saved");
    }
    FpVectorGuard guard;
    exited = v.run();
  }
  if (exited) throw Error("still exiting after 8 rounds while stopping to be saved");
}

// A CPU's registers as RTAS start-cpu leaves them: at its entry point, r3 its argument.
kvm_regs VcpuRunner::entry_registers(const Cpu& cpu) {
  kvm_regs regs{};
  regs.pc = cpu.entry;
  regs.gpr[3] = cpu.r3;
  regs.msr = papr::kMsrSf | papr::kMsrMe;
  return regs;
}

void VcpuRunner::apply_lpcr(Cpu& cpu) {
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

}  // namespace ppc::vmm
