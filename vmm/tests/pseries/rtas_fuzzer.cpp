// libFuzzer target for RTAS as a hostile guest calls it: H_RTAS with any argument block
// address, and in guest RAM any token, nargs, nret and arguments (os-term's message pointer
// included).
//
// Input: byte 0 is the number of calls; each call is a selector byte, the calling vCPU, the
// block's address (mostly in or just past RAM, sometimes any 64-bit value) and, when the
// selector says so, a block written there first (a token of ours or any, a shape that fits
// the call or any, then the arguments: any words, or values at the edges of their fields).
// Everything after the calls is guest RAM's initial contents. Rtas::call must never crash
// nor touch memory outside RAM; it may answer only H_PARAMETER (leaving RAM untouched) or
// H_SUCCESS, and then it writes nothing but the block's return words. An independent
// statement of PAPR's rules (each call's shape, RTAS statuses, what reaches the host) says
// what each call must do. Work per input is bounded (kMaxCalls calls over a small RAM).
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "memory/guest_memory.h"
#include "memory/ram_guard_pages.h"
#include "pseries/papr.h"
#include "pseries/rtas.h"
#include "fuzz_input.h"

namespace {

using ppc::vmm::GuestMemory;
using ppc::vmm::Rtas;
using ppc::vmm::RtasHost;
namespace papr = ppc::vmm::papr;

constexpr uint64_t kRam = 16 * 1024;  // a page multiple: the guard pages sit right at its ends
constexpr size_t kMaxCalls = 32;
constexpr uint32_t kMaxWords = 16;        // PAPR: nargs + nret
constexpr uint64_t kOsTermMaxLen = 1024;  // the longest os-term message the host takes

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "rtas_fuzzer: %s\n", what);
  std::abort();
}

using ppc::vmm::fuzz::Input;

// What each RTAS call takes and may return, restated from PAPR (not read from rtas.cpp).
struct Shape {
  uint32_t nargs;
  uint32_t max_nret;
};
const std::map<std::string, Shape, std::less<>> kShapes = {
    {"display-character", {1, 1}},   {"get-time-of-day", {0, 8}},         {"set-time-of-day", {7, 1}},
    {"power-off", {2, 1}},           {"system-reboot", {0, 1}},           {"query-cpu-stopped-state", {1, 2}},
    {"start-cpu", {3, 1}},           {"stop-self", {0, 1}},               {"ibm,os-term", {1, 1}},
    {"ibm,set-xive", {3, 1}},        {"ibm,get-xive", {1, 3}},            {"ibm,int-off", {1, 1}},
    {"ibm,int-on", {1, 1}},
};
// The calls KVM answers itself with the in-kernel XICS; reaching the VMM they fail.
bool is_xics(std::string_view name) {
  return name == "ibm,set-xive" || name == "ibm,get-xive" || name == "ibm,int-off" || name == "ibm,int-on";
}

// Records what reaches the machine; start-cpu and query-cpu-stopped-state answer from the
// CPU number, so that the fuzzer knows what the call must return.
class FakeHost : public RtasHost {
 public:
  static int32_t start_status(uint32_t cpu) { return cpu < 4 ? papr::kRtasSuccess : -3; }
  static int32_t query_status(uint32_t cpu) { return cpu < 4 ? papr::kRtasSuccess : -3; }
  static int32_t query_state(uint32_t cpu) { return cpu % 2 ? 2 : 0; }

  void console_write(std::string_view text) override { events.push_back("console " + std::string(text)); }
  void power_off() override { events.push_back("power-off"); }
  void reboot() override { events.push_back("reboot"); }
  void os_term(const std::string& message) override { events.push_back("os-term " + message); }
  int32_t start_cpu(uint32_t cpu, uint64_t entry, uint64_t r3) override {
    events.push_back("start-cpu " + std::to_string(cpu) + " " + std::to_string(entry) + " " + std::to_string(r3));
    return start_status(cpu);
  }
  int32_t query_cpu_stopped_state(uint32_t cpu, int32_t& state) override {
    events.push_back("query " + std::to_string(cpu));
    state = query_state(cpu);
    return query_status(cpu);
  }
  void stop_self(unsigned calling_cpu) override { events.push_back("stop-self " + std::to_string(calling_cpu)); }

  std::vector<std::string> events;
};

uint32_t be32(const uint8_t* p) { return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3]; }
void put_be32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}

struct Machine {
  Machine() {
    for (const auto& [name, token] : rtas.tokens()) {
      if (!kShapes.count(name)) fail("tokens() names a call PAPR does not have");
      if (!names.emplace(token, name).second) fail("two calls share a token");
    }
    if (names.size() != kShapes.size()) fail("tokens() misses a call");
    for (const auto& [name, token] : rtas.xics_tokens())
      if (!is_xics(name) || names.count(token) == 0 || names.at(token) != name) fail("xics_tokens() is wrong");
  }
  std::unique_ptr<GuestMemory> ram = ppc::vmm::make_guarded_ram(kRam);
  GuestMemory& mem = *ram;
  FakeHost host;
  // One for the whole run: its bad-call log is bounded per object, and only its guest clock
  // offset (which no check depends on) carries from one input to the next.
  Rtas rtas{mem, host};
  std::map<uint32_t, std::string> names;  // token -> call
};

// Writes what of a block lies in RAM (a block may straddle its end).
void store_word(const GuestMemory& mem, uint64_t gpa, uint32_t value) {
  if (mem.contains(gpa, 4)) mem.store_be32(gpa, value);
}

void write_block(Machine& m, Input& in, uint8_t sel, uint64_t gpa) {
  uint32_t token;
  if (sel & 0x08) token = in.u32();
  else if (m.names.empty()) token = 0;
  else token = m.names.begin()->first - 1 + in.u8() % (m.names.size() + 2);  // ours, or just outside
  uint32_t nargs, nret;
  if (sel & 0x10) {
    nargs = in.u32();
    nret = in.u32();
  } else if (sel & 0x20 || !m.names.count(token)) {
    nargs = in.u8() % 20;
    nret = in.u8() % 20;
  } else {
    const Shape& shape = kShapes.find(m.names.at(token))->second;
    nargs = shape.nargs;
    nret = 1 + in.u8() % (shape.max_nret + 1);  // one more than allowed, now and then
  }
  store_word(m.mem, gpa, token);
  store_word(m.mem, gpa + 4, nargs);
  store_word(m.mem, gpa + 8, nret);
  // Values at the edges of what a field (a date's, a CPU number's, an int's) holds.
  constexpr uint32_t kEdges[] = {0, 1, 2, 3, 11, 12, 13, 23, 24, 30, 31, 32, 59, 60, 61, 1899, 1900, 1970, 2038,
                                 9999, 10000, 0x7fffffff, 0x80000000, 0x8000076c, 0xfffffffe, 0xffffffff};
  for (uint32_t i = 0; i < std::min(nargs, kMaxWords); ++i) {
    // Argument 0 as a pointer into RAM (os-term's message), an edge value, or any word.
    uint32_t arg;
    if (i == 0 && (sel & 0x40)) arg = in.u16() % (kRam + 64);
    else if (sel & 0x80) arg = kEdges[in.u8() % std::size(kEdges)];
    else arg = in.u32();
    store_word(m.mem, gpa + 12 + 4 * i, arg);
  }
}

// Checks a returned word against its range and copies it into the expected RAM.
void accept_word(const uint8_t* ram, uint8_t* expect, uint64_t at, int64_t lo, int64_t hi, const char* what) {
  const int32_t v = static_cast<int32_t>(be32(ram + at));
  if (v < lo || v > hi) fail(what);
  std::memcpy(expect + at, ram + at, 4);
}

void one_call(Machine& m, unsigned cpu, uint64_t gpa) {
  static std::vector<uint8_t> before(kRam), expect(kRam);
  uint8_t* ram = m.mem.host_base();
  std::memcpy(before.data(), ram, kRam);
  m.host.events.clear();

  const int64_t status = m.rtas.call(cpu, gpa);

  // Where PAPR says H_PARAMETER: a header or block not wholly in RAM, or a shape over 16 words.
  const bool header_ok = gpa <= kRam && kRam - gpa >= 12;
  const uint32_t token = header_ok ? be32(&before[gpa]) : 0;
  const uint32_t nargs = header_ok ? be32(&before[gpa + 4]) : 0;
  const uint32_t nret = header_ok ? be32(&before[gpa + 8]) : 0;
  const bool block_ok = header_ok && nargs <= kMaxWords && nret <= kMaxWords && nargs + nret <= kMaxWords &&
                        kRam - gpa - 12 >= 4ull * (nargs + nret);
  if (!block_ok) {
    if (status != papr::kParameter) fail("a malformed or outside argument block was not H_PARAMETER");
    if (std::memcmp(ram, before.data(), kRam)) fail("a rejected call wrote guest RAM");
    if (!m.host.events.empty()) fail("a rejected call reached the host");
    return;
  }
  if (status != papr::kSuccess) fail("a well-formed argument block was not H_SUCCESS");

  const uint64_t args_at = gpa + 12, rets_at = args_at + 4 * nargs;
  auto arg = [&](uint32_t i) { return be32(&before[args_at + 4 * i]); };
  std::memcpy(expect.data(), before.data(), kRam);
  // Return word i, when the caller left room for it, holds v.
  auto ret = [&](uint32_t i, int32_t v) {
    if (i < nret) put_be32(&expect[rets_at + 4 * i], static_cast<uint32_t>(v));
  };
  std::vector<std::string> events;

  const auto named = m.names.find(token);
  if (named == m.names.end()) {
    ret(0, papr::kRtasHardwareError);
  } else if (const Shape& shape = kShapes.find(named->second)->second;
             nargs != shape.nargs || nret < 1 || nret > shape.max_nret) {
    ret(0, papr::kRtasParameterError);
  } else {
    const std::string& name = named->second;
    if (name == "display-character") {
      events.push_back("console " + std::string(1, static_cast<char>(arg(0) & 0xff)));
      ret(0, papr::kRtasSuccess);
    } else if (name == "get-time-of-day") {
      // The guest's clock is whatever set-time-of-day made it: only the ranges are known.
      if (static_cast<int32_t>(be32(ram + rets_at)) != papr::kRtasSuccess) fail("get-time-of-day failed");
      std::memcpy(&expect[rets_at], ram + rets_at, 4);
      constexpr struct { int64_t lo, hi; } kRanges[] = {{INT32_MIN, INT32_MAX}, {1, 12}, {1, 31}, {0, 23}, {0, 59}, {0, 60}, {0, 999999999}};
      for (uint32_t i = 1; i < nret; ++i)
        accept_word(ram, expect.data(), rets_at + 4 * i, kRanges[i - 1].lo, kRanges[i - 1].hi,
                    "get-time-of-day returned a field out of its range");
    } else if (name == "set-time-of-day") {
      // Fields out of their ranges, or a year of more than four digits.
      const bool valid = arg(0) <= 9999 && arg(1) >= 1 && arg(1) <= 12 && arg(2) >= 1 && arg(2) <= 31 &&
                         arg(3) <= 23 && arg(4) <= 59 && arg(5) <= 60;
      ret(0, valid ? papr::kRtasSuccess : papr::kRtasParameterError);
    } else if (name == "power-off") {
      events.push_back("power-off");
      ret(0, papr::kRtasSuccess);
    } else if (name == "system-reboot") {
      events.push_back("reboot");
      ret(0, papr::kRtasSuccess);
    } else if (name == "query-cpu-stopped-state") {
      events.push_back("query " + std::to_string(arg(0)));
      ret(0, FakeHost::query_status(arg(0)));
      ret(1, FakeHost::query_state(arg(0)));
    } else if (name == "start-cpu") {
      events.push_back("start-cpu " + std::to_string(arg(0)) + " " + std::to_string(arg(1)) + " " + std::to_string(arg(2)));
      ret(0, FakeHost::start_status(arg(0)));
    } else if (name == "stop-self") {
      events.push_back("stop-self " + std::to_string(cpu));
      ret(0, papr::kRtasSuccess);
    } else if (name == "ibm,os-term") {
      // A NUL-terminated message at arg 0, as much of it as lies in RAM, at most 1 KiB.
      std::string message;
      for (uint64_t at = arg(0); at < kRam && message.size() < kOsTermMaxLen && before[at] != 0; ++at)
        message.push_back(static_cast<char>(before[at]));
      events.push_back("os-term " + message);
      ret(0, papr::kRtasSuccess);
    } else if (is_xics(name)) {
      ret(0, papr::kRtasHardwareError);
    } else {
      fail("a call the fuzzer does not know");
    }
  }
  if (std::memcmp(ram, expect.data(), kRam)) fail("RAM differs from what the call may write (its return words)");
  if (m.host.events != events) fail("the host saw other calls than the RTAS call makes");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Machine m;
  Input in(data, size);
  const size_t ncalls = std::min<size_t>(in.u8(), kMaxCalls);

  struct Call {
    uint8_t sel;
    unsigned cpu;
    uint64_t gpa;
    std::vector<uint8_t> block;  // the bytes write_block() consumes, replayed after RAM is set
  };
  // The calls come first in the input, RAM after them; read the calls' bytes now and replay
  // them once RAM holds its initial contents.
  std::array<Call, kMaxCalls> calls;
  for (size_t i = 0; i < ncalls; ++i) {
    Call& c = calls[i];
    c.sel = in.u8();
    c.cpu = in.u8();
    c.gpa = (c.sel & 3) == 3 ? in.u64() : in.u16() % (kRam + 64);
    if (c.sel & 0x04) {
      // The most write_block() reads: token, nargs, nret, 16 arguments.
      for (size_t n = 0; n < 4 * (3 + kMaxWords) && in.left(); ++n) c.block.push_back(in.u8());
    }
  }
  std::memset(m.mem.host_base(), 0, kRam);
  std::memcpy(m.mem.host_base(), in.rest(), std::min<size_t>(in.left(), kRam));

  for (size_t i = 0; i < ncalls; ++i) {
    const Call& c = calls[i];
    if (c.sel & 0x04) {
      Input block(c.block.data(), c.block.size());
      write_block(m, block, c.sel, c.gpa);
    }
    one_call(m, c.cpu, c.gpa);
  }
  return 0;
}
