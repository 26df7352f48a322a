#include "pseries/hcalls.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <set>

#include "base/hex.h"
#include "pseries/papr.h"

namespace ppc::vmm {
namespace {

// Characters travel in r6/r7 (put) or r5/r6 (get) as big-endian bytes, up to 16.
void unpack_chars(const uint64_t* words, uint64_t len, char* out) {
  for (uint64_t i = 0; i < len; ++i) out[i] = static_cast<char>((words[i / 8] >> (56 - 8 * (i % 8))) & 0xff);
}

void pack_chars(const char* in, size_t len, uint64_t* words) {
  words[0] = words[1] = 0;
  for (size_t i = 0; i < len; ++i) words[i / 8] |= static_cast<uint64_t>(static_cast<uint8_t>(in[i])) << (56 - 8 * (i % 8));
}

int64_t set_mode(HcallHost& host, uint64_t (&args)[9]) {
  const uint64_t mflags = args[0], resource = args[1];
  if (args[2] != 0 || args[3] != 0) return papr::kP3;
  switch (resource) {
    case papr::kSetModeLittleEndian:
      // Exceptions taken little-endian: LPCR[ILE]. Without this answer the guest hangs.
      if (mflags > 1) return papr::kUnsupportedFlag;
      return host.update_lpcr(papr::kLpcrIle, mflags ? papr::kLpcrIle : 0);
    case papr::kSetModeAddrTransMode:
      // Exceptions with relocation on (AIL); KVM-PR cannot, and the guest copes with a refusal.
      if (!host.is_hv()) return papr::kUnsupportedFlag;
      if (mflags != 0 && mflags != 2 && mflags != 3) return papr::kUnsupportedFlag;
      return host.update_lpcr(papr::kLpcrAilMask, mflags << papr::kLpcrAilShift);
    default:
      return papr::kP2;
  }
}

// H_READ on a VMM-owned hash table: KVM-PR keeps H_ENTER and friends in the kernel but
// leaves H_READ to us. Entries are two big-endian doublewords.
int64_t read_hpte(std::span<const uint8_t> table, uint64_t flags, uint64_t ptex, uint64_t (&args)[9]) {
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

void log_unknown_once(unsigned cpu, uint64_t nr) {
  static std::mutex mu;
  static std::set<uint64_t> seen;
  std::lock_guard lock(mu);
  if (seen.insert(nr).second)
    std::fprintf(stderr, "ppc-kvm-vmm: vCPU %u: hypercall %s not implemented (H_FUNCTION; logged once)\n", cpu,
                 hex(nr).c_str());
}

}  // namespace

int64_t handle_hcall(HcallHost& host, unsigned cpu, uint64_t nr, uint64_t (&args)[9]) {
  switch (nr) {
    case papr::kHPutTermChar: {
      if (args[0] != 0 && args[0] != papr::kVtermNo) return papr::kParameter;
      const uint64_t len = args[1];
      if (len > 16) return papr::kParameter;
      char text[16];
      unpack_chars(&args[2], len, text);
      host.console_write(std::string_view(text, len));
      return papr::kSuccess;
    }
    case papr::kHGetTermChar: {
      if (args[0] != 0 && args[0] != papr::kVtermNo) return papr::kParameter;
      char text[16];
      const size_t len = host.console_read(text, sizeof text);
      args[0] = len;
      pack_chars(text, len, &args[1]);
      return papr::kSuccess;
    }
    case papr::kHSetMode:
      return set_mode(host, args);
    case papr::kHRandom: {
      uint64_t value = 0;
      ssize_t n;
      do n = getrandom(&value, sizeof value, 0);
      while (n < 0 && errno == EINTR);
      if (n != sizeof value) return papr::kHardware;
      args[0] = value;
      return papr::kSuccess;
    }
    case papr::kHRegisterProcTbl:
      if (!host.is_radix()) return papr::kFunction;
      return host.register_process_table(args[0], args[1], args[3]);
    case papr::kHRead: {
      const auto table = host.owned_hash_table();
      if (table.empty()) break;
      return read_hpte(table, args[0], args[1], args);
    }
    case papr::kHRtas:
      return host.rtas(cpu, args[0]);
  }
  log_unknown_once(cpu, nr);
  return papr::kFunction;
}

}  // namespace ppc::vmm
