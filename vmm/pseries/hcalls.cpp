#include "pseries/hcalls.h"

#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "console.h"
#include "memory/guest_memory.h"
#include "pseries/papr.h"
#include "pseries/rtas.h"

namespace ppc::vmm {
namespace {

// KVM_PPC_MMUV3_* of <asm/kvm.h>, which only PowerPC builds have.
constexpr uint64_t kMmuV3Radix = 1ull << 0;
constexpr uint64_t kMmuV3Gtse = 1ull << 1;
constexpr uint64_t kPatbRadix = 1ull << 63;  // PATB_GR: without it KVM refuses the table

// Characters travel in r6/r7 (put) or r5/r6 (get) as big-endian bytes, up to 16.
void unpack_chars(const uint64_t* words, uint64_t len, char* out) {
  for (uint64_t i = 0; i < len; ++i) out[i] = static_cast<char>((words[i / 8] >> (56 - 8 * (i % 8))) & 0xff);
}

void pack_chars(const char* in, size_t len, uint64_t* words) {
  words[0] = words[1] = 0;
  for (size_t i = 0; i < len; ++i) words[i / 8] |= static_cast<uint64_t>(static_cast<uint8_t>(in[i])) << (56 - 8 * (i % 8));
}

bool is_our_vterm(uint64_t vtermno) { return vtermno == 0 || vtermno == papr::kVtermNo; }

int64_t set_mode(const LpcrUpdate& update_lpcr, bool hv, const HcallArgs& args) {
  const uint64_t mflags = args[0], resource = args[1];
  if (args[2] != 0 || args[3] != 0) return papr::kP3;
  switch (resource) {
    case papr::kSetModeLittleEndian:
      // Exceptions taken little-endian: LPCR[ILE]. Without this answer the guest hangs.
      if (mflags > 1) return papr::kUnsupportedFlag;
      return update_lpcr(papr::kLpcrIle, mflags ? papr::kLpcrIle : 0);
    case papr::kSetModeAddrTransMode:
      // Exceptions with relocation on (AIL); KVM-PR cannot, and the guest copes with a refusal.
      if (!hv) return papr::kUnsupportedFlag;
      if (mflags != 0 && mflags != 2 && mflags != 3) return papr::kUnsupportedFlag;
      return update_lpcr(papr::kLpcrAilMask, mflags << papr::kLpcrAilShift);
    default:
      return papr::kP2;
  }
}

int64_t read_hpte(std::span<const uint8_t> table, HcallArgs& args) {
  const uint64_t flags = args[0];
  uint64_t ptex = args[1];
  const uint64_t entries = table.size() / 16;
  uint64_t count = 1;
  if (flags & papr::kHRead4) {
    ptex &= ~3ull;
    count = 4;
  }
  if (ptex >= entries || count > entries - ptex) return papr::kParameter;
  for (uint64_t i = 0; i < 2 * count; ++i) {
    uint64_t be;
    std::memcpy(&be, table.data() + 16 * ptex + 8 * i, sizeof be);
    args[i] = __builtin_bswap64(be);
  }
  return papr::kSuccess;
}

int64_t register_process_table(const GuestMemory& mem, const ProcessTableConfigure& configure, const HcallArgs& args) {
  const uint64_t flags = args[0], base = args[1], size_field = args[3];
  if ((flags & papr::kProcTableNew) != papr::kProcTableNew || !(flags & papr::kProcTableRadix)) return papr::kParameter;
  if (size_field > 24) return papr::kP4;
  const uint64_t size = 1ull << (size_field + 12);
  if (base % size || !mem.contains(base, size)) return papr::kP2;
  configure(kMmuV3Radix | ((flags & papr::kProcTableGtse) ? kMmuV3Gtse : 0), base | size_field | kPatbRadix);
  return papr::kSuccess;
}

}  // namespace

void add_console_hcalls(HcallTable& table, Console& console) {
  table.add(papr::kHPutTermChar, "H_PUT_TERM_CHAR", [&console](unsigned, HcallArgs& args) -> int64_t {
    if (!is_our_vterm(args[0])) return papr::kParameter;
    const uint64_t len = args[1];
    if (len > 16) return papr::kParameter;
    char text[16];
    unpack_chars(&args[2], len, text);
    console.write(std::string_view(text, len));
    return papr::kSuccess;
  });
  table.add(papr::kHGetTermChar, "H_GET_TERM_CHAR", [&console](unsigned, HcallArgs& args) -> int64_t {
    if (!is_our_vterm(args[0])) return papr::kParameter;
    char text[16];
    const size_t len = console.read(text, sizeof text);
    args[0] = len;
    pack_chars(text, len, &args[1]);
    return papr::kSuccess;
  });
}

void add_set_mode_hcall(HcallTable& table, LpcrUpdate update_lpcr, bool hv) {
  table.add(papr::kHSetMode, "H_SET_MODE",
            [update = std::move(update_lpcr), hv](unsigned, HcallArgs& args) { return set_mode(update, hv, args); });
}

void add_cpu_characteristics_hcall(HcallTable& table, CpuCharacteristics host) {
  table.add(papr::kHGetCpuCharacteristics, "H_GET_CPU_CHARACTERISTICS", [host](unsigned, HcallArgs& args) -> int64_t {
    args[0] = host.character;
    args[1] = host.behaviour;
    return papr::kSuccess;
  });
}

std::optional<CpuCharacteristics> guest_cpu_characteristics(CpuCharacteristics host, CpuCharacteristics known) {
  if (known.character == 0 && known.behaviour == 0) return std::nullopt;
  return CpuCharacteristics{host.character & known.character, host.behaviour & known.behaviour};
}

void add_random_hcall(HcallTable& table) {
  table.add(papr::kHRandom, "H_RANDOM", [](unsigned, HcallArgs& args) -> int64_t {
    uint64_t value = 0;
    ssize_t n;
    do n = getrandom(&value, sizeof value, 0);
    while (n < 0 && errno == EINTR);
    if (n != sizeof value) return papr::kHardware;
    args[0] = value;
    return papr::kSuccess;
  });
}

void add_hash_read_hcall(HcallTable& table, std::span<const uint8_t> hash_table) {
  table.add(papr::kHRead, "H_READ", [hash_table](unsigned, HcallArgs& args) { return read_hpte(hash_table, args); });
}

void add_process_table_hcall(HcallTable& table, const GuestMemory& mem, ProcessTableConfigure configure) {
  table.add(papr::kHRegisterProcTbl, "H_REGISTER_PROC_TBL",
            [&mem, configure = std::move(configure)](unsigned, HcallArgs& args) {
              return register_process_table(mem, configure, args);
            });
}

void add_rtas_hcall(HcallTable& table, Rtas& rtas) {
  table.add(papr::kHRtas, "H_RTAS", [&rtas](unsigned cpu, HcallArgs& args) { return rtas.call(cpu, args[0]); });
}

}  // namespace ppc::vmm
