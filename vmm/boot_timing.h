#pragma once
// --print-boot-times: the VMM's own start-up milestones on its monotonic clock, printed as one
// line before the machine starts, so that a benchmark can split "VMM set-up" from the guest's
// boot. The machine's later milestones (first KVM_RUN, first console output, stop) come from
// --stats, in milliseconds after "machine"; the flag turns --stats on.
// Header-only: main.cpp is its only user.
#include <time.h>

#include <cstdint>
#include <cstdio>

namespace ppc::vmm {

class BootTiming {
 public:
  static uint64_t now_ns(clockid_t clock) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
  }

  // The first thing main() does.
  BootTiming() : main_ns_(now_ns(CLOCK_MONOTONIC)) {}

  // Right before the machine is built (its own clock for --stats starts there). Also prints
  // CLOCK_REALTIME minus CLOCK_MONOTONIC, read back to back, so that the caller can put the
  // line on its own wall clock (a shell's $EPOCHREALTIME) without a clock of its own.
  void print_machine_start(std::FILE* out) const {
    const uint64_t machine_ns = now_ns(CLOCK_MONOTONIC);
    const uint64_t real_ns = now_ns(CLOCK_REALTIME);
    const uint64_t mono_again_ns = now_ns(CLOCK_MONOTONIC);
    const int64_t offset_ns =
        static_cast<int64_t>(real_ns) - static_cast<int64_t>(machine_ns + (mono_again_ns - machine_ns) / 2);
    std::fprintf(out, "ppc-kvm-vmm: boot-times: monotonic ns: main %llu, machine %llu; realtime-monotonic %lld\n",
                 static_cast<unsigned long long>(main_ns_), static_cast<unsigned long long>(machine_ns),
                 static_cast<long long>(offset_ns));
    std::fflush(out);
  }

 private:
  uint64_t main_ns_;
};

}  // namespace ppc::vmm
