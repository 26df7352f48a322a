#pragma once
// The machine's vCPUs from their first KVM_RUN to the machine's stop: each vCPU's start and
// stop state (RTAS start-cpu, stop-self, query-cpu-stopped-state), the LPCR bits the guest
// sets through H_SET_MODE (applied by each vCPU in its own thread), one thread per vCPU
// running KVM_RUN and handing every exit to handle_exit, and the kick that gets every vCPU
// out of KVM_RUN when the machine stops.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <thread>
#include <vector>

#include "exit_stats.h"
#include "kvm/vcpu.h"
#include "memory/guest_memory.h"
#include "pseries/exit_handler.h"
#include "snapshot/vcpu_state.h"

namespace ppc::vmm {

class VcpuRunner {
 public:
  // Interrupts KVM_RUN in a vCPU thread; every other thread must keep it blocked.
  static constexpr int kKickSignal = 10;  // SIGUSR1
  VcpuRunner(std::vector<std::unique_ptr<Vcpu>> vcpus, const GuestMemory& mem);
  ~VcpuRunner();  // joins the threads

  size_t count() const { return cpus_.size(); }

  // RTAS and hypercalls, from any vCPU thread. RTAS statuses.
  int32_t start_cpu(uint32_t id, uint64_t entry, uint64_t r3);
  int32_t query_stopped_state(uint32_t id, int32_t& state);
  void stop_self(unsigned id);
  // H_SET_MODE: recorded for every vCPU; each applies it before its next KVM_RUN.
  int64_t update_lpcr(uint64_t mask, uint64_t value);

  // Starts one thread per vCPU. Each calls on_thread_start(id) first (its seccomp role), then
  // runs its vCPU whenever it is started, until stop(). An exception (a failed ioctl, an
  // unexpected exit) ends that thread and goes to on_error(id, message).
  void start_threads(std::function<void(unsigned id)> on_thread_start,
                     std::function<void(unsigned id, const std::string& message)> on_error);
  // Every vCPU leaves KVM_RUN and its thread ends (from any thread; idempotent).
  void stop();
  // stop(), and each vCPU thread first finishes the exit it is in (a hypercall's answer, an
  // MMIO load's value reach its registers) and records its state: captured() after join().
  void stop_and_capture();
  // After join() following stop_and_capture(), and after the device thread stopped: every
  // vCPU's state (its XICS presentation state read again now, on the caller's thread), or
  // Error naming the vCPU whose state could not be read.
  std::vector<VcpuState> captured() const;
  // Instead of start_cpu: the vCPUs whose state says running resume where they stopped (their
  // registers set already), the others wait for start-cpu. Each first sets `tb_offset` (when
  // given) in its own thread: the guest's clock then goes on from the moment it resumes, not
  // from the restore's set-up.
  void resume(const std::vector<VcpuState>& states, std::optional<uint64_t> tb_offset);
  // H_SET_MODE's LPCR bits so far (for a snapshot) and their restore.
  std::pair<uint64_t, uint64_t> lpcr_bits();
  void restore_lpcr_bits(uint64_t mask, uint64_t value);
  void join();

  // After join(): every vCPU's exits, and the first KVM_RUN's CLOCK_MONOTONIC time (0: none).
  ExitStats stats() const;
  uint64_t first_run_ns() const { return first_run_ns_; }

  void set_exit_targets(const ExitTargets* targets) { targets_ = targets; }
  // Exits are counted by reason and hcall number (stats()) only when asked for (--stats).
  void count_exits(bool on) { count_exits_ = on; }

 private:
  enum class State { Stopped, StartRequested, Running };
  struct Cpu {
    std::unique_ptr<Vcpu> vcpu;
    std::thread thread;
    State state = State::Stopped;
    uint64_t entry = 0, r3 = 0;
    bool stop_self = false;     // set by stop-self from the CPU's own thread
    uint64_t lpcr_applied = 0;  // LPCR generation last written to this vCPU
    ExitStats stats;            // touched only by this CPU's thread until it is joined
    bool resume = false;        // its registers hold a restored state: enter as they are
    std::optional<uint64_t> resume_tb_offset;
    std::optional<VcpuState> captured;  // stop_and_capture(): set by its own thread
    std::string capture_error;
  };

  void thread_body(unsigned id);
  bool wait_until_started(Cpu& cpu);
  void run_started(unsigned id);
  void apply_lpcr(Cpu& cpu);
  void capture(Cpu& cpu);
  static kvm_regs entry_registers(const Cpu& cpu);
  void finish_exit(Vcpu& v, unsigned id, bool exited);

  const GuestMemory& mem_;
  const ExitTargets* targets_ = nullptr;
  bool count_exits_ = false;
  std::function<void(unsigned)> on_thread_start_;
  std::function<void(unsigned, const std::string&)> on_error_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Cpu> cpus_;
  uint64_t lpcr_mask_ = 0, lpcr_value_ = 0, lpcr_generation_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> capturing_{false};
  std::atomic<uint64_t> first_run_ns_{0};
};

}  // namespace ppc::vmm
