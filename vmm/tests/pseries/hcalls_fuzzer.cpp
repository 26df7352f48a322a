// libFuzzer target for the hypercalls the VMM answers, as a hostile guest makes them: any
// number in r3, any r4..r12, in any order, reaching the handlers through handle_exit() as
// KVM's exits do (with an MMIO exit or another reason now and then).
//
// Input: a header (which machine: KVM-PR with a hash table and H_READ, or KVM-HV radix with
// H_REGISTER_PROC_TBL; whether updating the LPCR fails; the hash table's fill; console input
// bytes), then up to kMaxExits exits, each a selector byte, then the hypercall number and
// r4..r12 (or the MMIO access) it chooses. Nothing may crash or touch memory outside guest
// RAM; each call's status and r4..r12 must be what an independent statement of PAPR (and of
// our console, H_SET_MODE, H_READ and process-table rules) says; an unknown number is
// H_FUNCTION with r4..r12 untouched. The machines live for the whole run, so that what the
// VMM keeps per guest-chosen number (the exit statistics, the "logged once" set of unknown
// numbers) can be checked to stay within its fixed bound however many numbers are tried.
#include <fcntl.h>
#include <linux/kvm.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/unique_fd.h"
#include "bus/mmio_bus.h"
#include "console.h"
#include "exit_stats.h"
#include "log.h"
#include "memory/guest_memory.h"
#include "memory/ram_guard_pages.h"
#include "pseries/exit_handler.h"
#include "pseries/hcall_table.h"
#include "pseries/hcalls.h"
#include "pseries/papr.h"
#include "pseries/rtas.h"
#include "fuzz_input.h"

namespace {

using namespace ppc::vmm;
using ppc::UniqueFd;

constexpr uint64_t kRam = 64 * 1024;
constexpr size_t kMaxExits = 64;
constexpr size_t kHashEntries = 64;  // 16-byte entries
constexpr uint64_t kWindowBase = 0x10000000000ull, kWindowSize = 0x200;
constexpr size_t kMaxInput = 64;  // console input bytes queued per run
// KVM's exit reasons are small numbers of its own choosing (not the guest's); the fuzzer
// picks among the first 64.
constexpr uint32_t kExitReasons = 64;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "hcalls_fuzzer: %s\n", what);
  std::abort();
}

using ppc::vmm::fuzz::Input;

// A non-blocking pipe: the console writes guest output into one and reads guest input from another.
struct Pipe {
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) fail("pipe2");
    read_end.reset(fds[0]);
    write_end.reset(fds[1]);
  }
  std::string drain() const {
    std::string out;
    char buf[256];
    for (ssize_t n; (n = ::read(read_end.get(), buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
    return out;
  }
  UniqueFd read_end, write_end;
};

class NullRtasHost : public RtasHost {
 public:
  void console_write(std::string_view) override {}
  void power_off() override {}
  void reboot() override {}
  void os_term(const std::string&) override {}
  int32_t start_cpu(uint32_t, uint64_t, uint64_t) override { return papr::kRtasSuccess; }
  int32_t query_cpu_stopped_state(uint32_t, int32_t& state) override {
    state = 0;
    return papr::kRtasSuccess;
  }
  void stop_self(unsigned) override {}
};

class Window : public MmioHandler {
 public:
  void mmio_read(uint64_t offset, std::span<uint8_t> data) override {
    ++reads;
    last_offset = offset;
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(0xa0 + i);
  }
  void mmio_write(uint64_t offset, std::span<const uint8_t> data) override {
    ++writes;
    last_offset = offset;
    written.assign(data.begin(), data.end());
  }
  uint64_t reads = 0, writes = 0, last_offset = 0;
  std::vector<uint8_t> written;
};

struct LpcrCall {
  uint64_t mask, value;
};

// Guest RAM, one for both machines.
GuestMemory& guest_ram() {
  static const std::unique_ptr<GuestMemory> ram = make_guarded_ram(kRam);
  return *ram;
}

// What the machines' host KVM says of its processor (H_GET_CPU_CHARACTERISTICS passes it on).
constexpr CpuCharacteristics kHostChars{0x2c00'0000'0000'0000ull, 0xc000'0000'0000'0000ull};

// One machine's worth of hypercalls, registered the way machine.cpp does for its MMU.
struct Machine {
  explicit Machine(bool hv_radix) : hv(hv_radix) {
    const auto update = [this](uint64_t mask, uint64_t value) {
      lpcr_calls.push_back({mask, value});
      return lpcr_status;
    };
    add_console_hcalls(table, console);
    add_set_mode_hcall(table, update, hv);
    add_random_hcall(table);
    add_rtas_hcall(table, rtas);
    add_cpu_characteristics_hcall(table, kHostChars);
    if (hv) {
      add_process_table_hcall(table, mem, [this](uint64_t flags, uint64_t base) { proc_tables.push_back({flags, base}); });
    } else {
      add_hash_read_hcall(table, hash_table);
    }
    bus.add(kWindowBase, kWindowSize, window, "window");
  }

  const bool hv;
  GuestMemory& mem = guest_ram();
  static inline std::array<uint8_t, 16 * kHashEntries> hash_table{};
  Pipe out, in;
  Console console{out.write_end.get(), UniqueFd(), in.read_end.get()};
  NullRtasHost rtas_host;
  Rtas rtas{mem, rtas_host};
  HcallTable table;
  MmioBus bus;
  Window window;
  LimitedLog unclaimed{"unclaimed-MMIO", 10};
  ExitTargets targets{table, bus, unclaimed};
  ExitStats stats;  // one vCPU's, for the whole run
  uint64_t hcall_exits = 0;
  int64_t lpcr_status = papr::kSuccess;
  std::vector<LpcrCall> lpcr_calls;
  std::vector<LpcrCall> proc_tables;  // flags, table
  std::deque<char> pending_input;     // what the console's input pipe holds
};

// The numbers these machines register, for picking mostly those.
constexpr uint64_t kKnown[] = {papr::kHRead,   papr::kHGetTermChar, papr::kHPutTermChar, papr::kHRandom,
                               papr::kHSetMode, papr::kHRegisterProcTbl, papr::kHRtas,     papr::kHCede,
                               papr::kHRegisterVpa, papr::kHGetCpuCharacteristics};

bool registered(const Machine& m, uint64_t nr) {
  switch (nr) {
    case papr::kHGetTermChar:
    case papr::kHPutTermChar:
    case papr::kHRandom:
    case papr::kHSetMode:
    case papr::kHRtas:
    case papr::kHGetCpuCharacteristics: return true;
    case papr::kHRead: return !m.hv;
    case papr::kHRegisterProcTbl: return m.hv;
    default: return false;
  }
}

uint64_t be64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

uint64_t pack_be(std::string_view text, size_t word) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && 8 * word + i < text.size(); ++i)
    v |= uint64_t{static_cast<uint8_t>(text[8 * word + i])} << (56 - 8 * i);
  return v;
}

bool our_vterm(uint64_t v) { return v == 0 || v == papr::kVtermNo; }

// What hypercall nr must answer and leave in r4..r12, from the arguments it was given; any
// side effect it must have is checked here too.
void check_hcall(Machine& m, uint64_t nr, const uint64_t (&in)[9], int64_t status, const uint64_t (&out)[9]) {
  uint64_t expect[9];
  std::copy(std::begin(in), std::end(in), expect);
  int64_t want = papr::kFunction;
  if (!registered(m, nr)) {
    want = papr::kFunction;
  } else if (nr == papr::kHPutTermChar) {
    const std::string written = m.out.drain();
    if (!our_vterm(in[0]) || in[1] > 16) {
      want = papr::kParameter;
      if (!written.empty()) fail("a refused H_PUT_TERM_CHAR wrote to the console");
    } else {
      want = papr::kSuccess;
      std::string text;
      for (uint64_t i = 0; i < in[1]; ++i) text.push_back(static_cast<char>(in[2 + i / 8] >> (56 - 8 * (i % 8))));
      if (written != text) fail("H_PUT_TERM_CHAR wrote other bytes than r6, r7 held");
    }
  } else if (nr == papr::kHGetTermChar) {
    if (!our_vterm(in[0])) {
      want = papr::kParameter;
    } else {
      want = papr::kSuccess;
      std::string text;
      while (text.size() < 16 && !m.pending_input.empty()) {
        text.push_back(m.pending_input.front());
        m.pending_input.pop_front();
      }
      expect[0] = text.size();
      expect[1] = pack_be(text, 0);
      expect[2] = pack_be(text, 1);
    }
  } else if (nr == papr::kHGetCpuCharacteristics) {
    want = papr::kSuccess;
    expect[0] = kHostChars.character;
    expect[1] = kHostChars.behaviour;
  } else if (nr == papr::kHRandom) {
    want = papr::kSuccess;
    expect[0] = out[0];  // anything at all
  } else if (nr == papr::kHSetMode) {
    const uint64_t mflags = in[0], resource = in[1];
    std::vector<LpcrCall> calls;
    if (in[2] || in[3]) {
      want = papr::kP3;
    } else if (resource == papr::kSetModeLittleEndian) {
      if (mflags > 1) want = papr::kUnsupportedFlag;
      else {
        calls.push_back({papr::kLpcrIle, mflags ? papr::kLpcrIle : 0});
        want = m.lpcr_status;
      }
    } else if (resource == papr::kSetModeAddrTransMode) {
      if (!m.hv || (mflags != 0 && mflags != 2 && mflags != 3)) want = papr::kUnsupportedFlag;
      else {
        calls.push_back({papr::kLpcrAilMask, mflags << 23});
        want = m.lpcr_status;
      }
    } else {
      want = papr::kP2;
    }
    if (m.lpcr_calls.size() != calls.size() ||
        (!calls.empty() && (m.lpcr_calls[0].mask != calls[0].mask || m.lpcr_calls[0].value != calls[0].value)))
      fail("H_SET_MODE changed other LPCR bits than it asked for");
  } else if (nr == papr::kHRead) {
    const bool four = in[0] & (1ull << (63 - 26));
    const uint64_t ptex = four ? in[1] & ~3ull : in[1];
    const uint64_t count = four ? 4 : 1;
    if (ptex >= kHashEntries || ptex + count > kHashEntries) {
      want = papr::kParameter;
    } else {
      want = papr::kSuccess;
      for (uint64_t i = 0; i < 2 * count; ++i) expect[i] = be64(&Machine::hash_table[16 * ptex + 8 * i]);
    }
  } else if (nr == papr::kHRegisterProcTbl) {
    const uint64_t flags = in[0], base = in[1], size_field = in[3];
    std::vector<LpcrCall> tables;
    if ((flags & 0x18) != 0x18 || !(flags & 0x04)) {
      want = papr::kParameter;
    } else if (size_field > 24) {
      want = papr::kP4;
    } else {
      const uint64_t size = uint64_t{4096} << size_field;
      if (base % size != 0 || base > kRam || size > kRam - base) {
        want = papr::kP2;
      } else {
        want = papr::kSuccess;
        tables.push_back({(flags & 1) ? 3u : 1u, base | size_field | (1ull << 63)});
      }
    }
    if (m.proc_tables.size() != tables.size() ||
        (!tables.empty() && (m.proc_tables[0].mask != tables[0].mask || m.proc_tables[0].value != tables[0].value)))
      fail("H_REGISTER_PROC_TBL configured another process table than the guest's");
  } else if (nr == papr::kHRtas) {
    // rtas_fuzzer checks the calls themselves; here only that the status is one of the two.
    if (status != papr::kSuccess && status != papr::kParameter) fail("H_RTAS returned another status");
    want = status;
  }
  if (status != want) fail("a hypercall returned the wrong status");
  if (!std::equal(std::begin(expect), std::end(expect), std::begin(out))) fail("a hypercall left r4..r12 wrong");
  if (!registered(m, nr) && !m.out.drain().empty()) fail("an unknown hypercall wrote to the console");
}

void hcall_exit(Machine& m, Input& in, uint8_t sel) {
  uint64_t nr;
  switch (sel & 7) {
    case 0:
    case 1:
    case 2: nr = kKnown[in.u8() % std::size(kKnown)]; break;
    case 3: nr = in.u16(); break;                                       // mostly unknown, small
    case 4: nr = in.u64(); break;                                       // anything
    default: nr = kKnown[in.u8() % std::size(kKnown)] + (in.u8() % 9) - 4; break;  // near one
  }
  uint64_t args[9];
  for (uint64_t& a : args) a = (sel & 0x08) ? in.u64() : in.u8();
  if (sel & 0x10) args[0] = papr::kVtermNo;
  if (sel & 0x20) args[1] <<= 12;  // a page-aligned address (a process table, an RTAS block)

  kvm_run run;
  std::memset(&run, 0, sizeof run);
  run.exit_reason = KVM_EXIT_PAPR_HCALL;
  run.papr_hcall.nr = nr;
  std::copy(std::begin(args), std::end(args), run.papr_hcall.args);
  m.lpcr_calls.clear();
  m.proc_tables.clear();
  if (handle_exit(run, 0, m.targets, &m.stats) != ExitOutcome::kHandled) fail("a hypercall exit was not handled");
  ++m.hcall_exits;
  uint64_t out[9];
  std::copy(std::begin(run.papr_hcall.args), std::end(run.papr_hcall.args), out);
  check_hcall(m, nr, args, static_cast<int64_t>(run.papr_hcall.ret), out);
}

void mmio_exit(Machine& m, Input& in, uint8_t sel) {
  kvm_run run;
  std::memset(&run, 0, sizeof run);
  run.exit_reason = KVM_EXIT_MMIO;
  run.mmio.phys_addr = (sel & 0x08) ? in.u64() : kWindowBase - 16 + in.u16() % (kWindowSize + 32);
  run.mmio.len = (sel & 0x10) ? in.u32() : in.u8() % 10;
  run.mmio.is_write = sel & 0x20 ? 1 : 0;
  for (uint8_t& b : run.mmio.data) b = in.u8();
  const auto before = run.mmio;
  const uint64_t reads = m.window.reads, writes = m.window.writes;
  if (handle_exit(run, 0, m.targets, &m.stats) != ExitOutcome::kHandled) fail("an MMIO exit was not handled");

  const uint64_t len = std::min<uint64_t>(before.len, 8);
  const uint64_t addr = before.phys_addr;
  const bool inside = addr >= kWindowBase && addr - kWindowBase < kWindowSize && len <= kWindowSize - (addr - kWindowBase);
  const bool reached = m.window.reads != reads || m.window.writes != writes;
  if (reached != inside) fail("the MMIO bus routed an access the window does not hold, or dropped one it does");
  if (inside && m.window.last_offset != addr - kWindowBase) fail("the window saw the wrong offset");
  if (before.is_write) {
    if (std::memcmp(run.mmio.data, before.data, sizeof before.data)) fail("an MMIO write changed the exit's data");
    if (inside && (m.window.written.size() != len || !std::equal(m.window.written.begin(), m.window.written.end(), before.data)))
      fail("the window got other bytes than the guest wrote");
  } else {
    for (uint64_t i = 0; i < 8; ++i) {
      const uint8_t want = i >= len ? before.data[i] : inside ? static_cast<uint8_t>(0xa0 + i) : 0xff;
      if (run.mmio.data[i] != want) fail("an MMIO read returned the wrong bytes, or wrote past its length");
    }
  }
}

// What the VMM keeps per guest-chosen value must stay within its fixed bounds.
void check_bounds(const Machine& m) {
  if (m.stats.hcalls.size() > ExitStats::kMaxHcallNumbers) fail("per-number hypercall statistics grew past their bound");
  uint64_t counted = m.stats.other_hcalls;
  for (const auto& [nr, n] : m.stats.hcalls) counted += n;
  if (counted != m.hcall_exits) fail("the hypercall statistics lost or invented calls");
  if (m.stats.by_reason.size() > kExitReasons) fail("exit statistics grew past the exit reasons");
  if (m.table.remembered_unknown() > 32) fail("the 'logged once' set of unknown hypercalls grew past its bound");
  // Merging and printing cost more than the calls themselves: now and then is enough.
  static unsigned runs = 0;
  if (++runs % 256 != 0) return;
  ExitStats merged;
  merged.merge(m.stats);
  merged.merge(m.stats);
  if (merged.hcalls.size() > ExitStats::kMaxHcallNumbers) fail("merged statistics grew past their bound");
  // 64 numbers and 64 reasons at most, each a short entry.
  if (merged.summary().size() > 8192) fail("the statistics summary grew past its bound");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Machine pr_hash(false), hv_radix(true);
  Input in(data, size);

  const uint8_t header = in.u8();
  Machine& m = (header & 1) ? hv_radix : pr_hash;
  m.lpcr_status = (header & 2) ? papr::kHardware : papr::kSuccess;
  const uint8_t fill = in.u8();
  for (size_t i = 0; i < Machine::hash_table.size(); ++i) Machine::hash_table[i] = static_cast<uint8_t>(i * 31 + fill);
  std::memset(guest_ram().host_base(), 0, kRam);

  // Console input: whatever an earlier input left is dropped first.
  (void)m.in.drain();
  (void)m.out.drain();
  m.pending_input.clear();
  const size_t ninput = std::min<size_t>(in.u8(), kMaxInput);
  std::string typed;
  for (size_t i = 0; i < ninput; ++i) typed.push_back(static_cast<char>(in.u8()));
  if (!typed.empty() && ::write(m.in.write_end.get(), typed.data(), typed.size()) != static_cast<ssize_t>(typed.size()))
    fail("could not queue console input");
  m.pending_input.assign(typed.begin(), typed.end());

  const size_t nexits = std::min<size_t>(in.u8(), kMaxExits);
  for (size_t i = 0; i < nexits; ++i) {
    const uint8_t sel = in.u8();
    if ((sel & 0xc0) != 0xc0) {
      hcall_exit(m, in, sel);
    } else if (sel & 0x04) {
      mmio_exit(m, in, sel);
    } else {
      // An interrupted run, or an exit reason this machine does not serve.
      kvm_run run;
      std::memset(&run, 0, sizeof run);
      run.exit_reason = (sel & 1) ? KVM_EXIT_INTR : in.u8() % kExitReasons;
      const ExitOutcome want = run.exit_reason == KVM_EXIT_INTR          ? ExitOutcome::kInterrupted
                               : run.exit_reason == KVM_EXIT_PAPR_HCALL ? ExitOutcome::kHandled
                               : run.exit_reason == KVM_EXIT_MMIO       ? ExitOutcome::kHandled
                                                                        : ExitOutcome::kUnexpected;
      if (run.exit_reason == KVM_EXIT_PAPR_HCALL) ++m.hcall_exits;  // a zeroed hypercall: number 0, unknown
      if (handle_exit(run, 0, m.targets, &m.stats) != want) fail("an exit got the wrong outcome");
      (void)m.out.drain();
    }
  }
  check_bounds(m);
  return 0;
}
