#include "pseries/exit_handler.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "pseries/papr.h"

namespace ppc::vmm {
namespace {

// A device window that records what reaches it and reads back a fixed pattern.
class Window : public MmioHandler {
 public:
  void mmio_read(uint64_t offset, std::span<uint8_t> data) override {
    last_offset = offset;
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(0xa0 + i);
  }
  void mmio_write(uint64_t offset, std::span<const uint8_t> data) override {
    last_offset = offset;
    written.assign(data.begin(), data.end());
  }
  uint64_t last_offset = ~0ull;
  std::vector<uint8_t> written;
};

class ExitHandlerTest : public ::testing::Test {
 protected:
  ExitHandlerTest() {
    bus.add(0x10000000000ull, 0x200, window, "window");
    hcalls.add(0x58, "H_TEST", [this](unsigned cpu, HcallArgs& args) -> int64_t {
      hcall_cpu = cpu;
      args[8] = args[0] * 2;
      return -7;
    });
  }
  kvm_run exit_of(uint32_t reason) {
    kvm_run run;
    std::memset(&run, 0, sizeof run);
    run.exit_reason = reason;
    return run;
  }

  MmioBus bus;
  HcallTable hcalls;
  LimitedLog unclaimed{"test-unclaimed", 4};
  ExitTargets targets{hcalls, bus, unclaimed};
  ExitStats stats;
  Window window;
  unsigned hcall_cpu = 99;
};

TEST_F(ExitHandlerTest, AHypercallGoesToItsHandlerAndItsResultsBackToTheGuest) {
  kvm_run run = exit_of(KVM_EXIT_PAPR_HCALL);
  run.papr_hcall.nr = 0x58;
  run.papr_hcall.args[0] = 21;
  EXPECT_EQ(handle_exit(run, 2, targets, &stats), ExitOutcome::kHandled);
  EXPECT_EQ(hcall_cpu, 2u);
  EXPECT_EQ(static_cast<int64_t>(run.papr_hcall.ret), -7);
  EXPECT_EQ(run.papr_hcall.args[8], 42u);
  EXPECT_EQ(stats.by_reason[KVM_EXIT_PAPR_HCALL], 1u);
  EXPECT_EQ(stats.hcalls[0x58], 1u);
}

TEST_F(ExitHandlerTest, WithoutStatisticsAHypercallIsServedAndNothingKept) {
  kvm_run run = exit_of(KVM_EXIT_PAPR_HCALL);
  run.papr_hcall.nr = 0x58;
  EXPECT_EQ(handle_exit(run, 2, targets, nullptr), ExitOutcome::kHandled);
  EXPECT_EQ(hcall_cpu, 2u);
  EXPECT_EQ(static_cast<int64_t>(run.papr_hcall.ret), -7);
  EXPECT_TRUE(stats.by_reason.empty());
  EXPECT_TRUE(stats.hcalls.empty());
}

TEST_F(ExitHandlerTest, AnUnknownHypercallIsHFunction) {
  kvm_run run = exit_of(KVM_EXIT_PAPR_HCALL);
  run.papr_hcall.nr = 0xdead;
  EXPECT_EQ(handle_exit(run, 0, targets, &stats), ExitOutcome::kHandled);
  EXPECT_EQ(static_cast<int64_t>(run.papr_hcall.ret), papr::kFunction);
}

TEST_F(ExitHandlerTest, MmioReadsAndWritesReachTheWindowAtTheirOffset) {
  kvm_run read = exit_of(KVM_EXIT_MMIO);
  read.mmio.phys_addr = 0x10000000070ull;
  read.mmio.len = 4;
  EXPECT_EQ(handle_exit(read, 0, targets, &stats), ExitOutcome::kHandled);
  EXPECT_EQ(window.last_offset, 0x70u);
  EXPECT_EQ(read.mmio.data[0], 0xa0);
  EXPECT_EQ(read.mmio.data[3], 0xa3);

  kvm_run write = exit_of(KVM_EXIT_MMIO);
  write.mmio.phys_addr = 0x10000000050ull;
  write.mmio.len = 2;
  write.mmio.is_write = 1;
  write.mmio.data[0] = 1;
  write.mmio.data[1] = 2;
  EXPECT_EQ(handle_exit(write, 0, targets, &stats), ExitOutcome::kHandled);
  EXPECT_EQ(window.last_offset, 0x50u);
  EXPECT_EQ(window.written, (std::vector<uint8_t>{1, 2}));
}

TEST_F(ExitHandlerTest, UnclaimedMmioReadsAllOnesAndIsLoggedBounded) {
  for (int i = 0; i < 100; ++i) {
    kvm_run run = exit_of(KVM_EXIT_MMIO);
    run.mmio.phys_addr = 0x2000 + static_cast<uint64_t>(i);
    run.mmio.len = 8;
    EXPECT_EQ(handle_exit(run, 0, targets, &stats), ExitOutcome::kHandled);
    for (const uint8_t b : run.mmio.data) EXPECT_EQ(b, 0xff);
  }
  EXPECT_EQ(unclaimed.dropped(), 100u - 4u);
  EXPECT_EQ(window.last_offset, ~0ull);
}

TEST_F(ExitHandlerTest, AnMmioLengthPastTheDataIsClampedNotOverrun) {
  kvm_run run = exit_of(KVM_EXIT_MMIO);
  run.mmio.phys_addr = 0x10000000000ull;
  run.mmio.len = 4096;  // KVM never says this; the handler must not trust it
  run.mmio.is_write = 1;
  EXPECT_EQ(handle_exit(run, 0, targets, &stats), ExitOutcome::kHandled);
  EXPECT_EQ(window.written.size(), sizeof run.mmio.data);
}

TEST_F(ExitHandlerTest, AnInterruptedRunIsNothingToServe) {
  kvm_run run = exit_of(KVM_EXIT_INTR);
  EXPECT_EQ(handle_exit(run, 0, targets, &stats), ExitOutcome::kInterrupted);
}

TEST_F(ExitHandlerTest, OtherExitsAreUnexpected) {
  for (const uint32_t reason : {uint32_t{KVM_EXIT_UNKNOWN}, uint32_t{KVM_EXIT_SHUTDOWN}, uint32_t{KVM_EXIT_INTERNAL_ERROR},
                                uint32_t{KVM_EXIT_FAIL_ENTRY}, 9999u}) {
    kvm_run run = exit_of(reason);
    EXPECT_EQ(handle_exit(run, 0, targets, &stats), ExitOutcome::kUnexpected) << reason;
  }
}

}  // namespace
}  // namespace ppc::vmm
