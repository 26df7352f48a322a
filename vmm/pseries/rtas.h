#pragma once
// RTAS without firmware: a 20-byte blob in guest memory turns every RTAS call into the
// private hypercall H_RTAS (0xf000) with r4 = the guest address of the big-endian argument
// block; Rtas decodes that block, checks it against guest RAM and runs the call.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "log.h"
#include "memory/guest_memory.h"

namespace ppc::vmm {

// What RTAS calls do to the machine. Implemented by the machine; a fake in unit tests.
class RtasHost {
 public:
  virtual ~RtasHost() = default;
  virtual void console_write(std::string_view text) = 0;
  virtual void power_off() = 0;
  virtual void reboot() = 0;
  virtual void os_term(const std::string& message) = 0;
  // RTAS status: 0 started, -3 no such CPU or not stopped.
  virtual int32_t start_cpu(uint32_t cpu, uint64_t entry, uint64_t r3) = 0;
  // RTAS status; state: 0 stopped, 2 running.
  virtual int32_t query_cpu_stopped_state(uint32_t cpu, int32_t& state) = 0;
  virtual void stop_self(unsigned calling_cpu) = 0;
};

class RtasArgs;

class Rtas {
 public:
  // mr r4,r3; li r3,0; ori r3,r3,0xf000; sc 1; blr (RTAS runs big-endian).
  static constexpr std::array<uint32_t, 5> kBlob = {0x7c641b78, 0x3c600000, 0x6063f000, 0x44000022, 0x4e800020};
  static constexpr uint32_t kBlobSize = kBlob.size() * 4;

  Rtas(const GuestMemory& mem, RtasHost& host) : mem_(mem), host_(host) {}

  void write_blob(uint64_t gpa) const;
  // Every call's /rtas property name and token, for the device tree.
  std::vector<std::pair<std::string, uint32_t>> tokens() const;
  // The interrupt-source calls KVM answers itself when the in-kernel XICS is used.
  std::vector<std::pair<std::string, uint32_t>> xics_tokens() const;

  // Handles H_RTAS from vCPU `cpu`; returns the hypercall status (H_PARAMETER when the
  // argument block is malformed or outside RAM; otherwise H_SUCCESS with the RTAS status
  // in the block's first return word).
  int64_t call(unsigned cpu, uint64_t args_gpa);

 private:
  void dispatch(int id, unsigned cpu, const RtasArgs& args);
  void get_time_of_day(const RtasArgs& args) const;
  void set_time_of_day(const RtasArgs& args);
  void os_term(const RtasArgs& args);

  const GuestMemory& mem_;
  RtasHost& host_;
  int64_t rtc_offset_s_ = 0;  // set-time-of-day moves the guest's clock, not the host's
  LimitedLog bad_calls_{"bad-RTAS-call", 16};  // the guest decides how many: bounded
};

}  // namespace ppc::vmm
