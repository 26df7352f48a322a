#include "pseries/rtas.h"

#include <time.h>

#include <string>

#include "base/error.h"
#include "base/hex.h"
#include "log.h"
#include "pseries/papr.h"

namespace ppc::vmm {
namespace {

constexpr uint32_t kFirstToken = 0x2000;
constexpr uint32_t kMaxWords = 16;       // PAPR bounds nargs + nret
constexpr uint32_t kOsTermMaxLen = 1024;

enum class Id {
  DisplayCharacter, GetTimeOfDay, SetTimeOfDay, PowerOff, SystemReboot, QueryCpuStoppedState,
  StartCpu, StopSelf, OsTerm, SetXive, GetXive, IntOff, IntOn,
};

struct CallSpec {
  Id id;
  const char* name;
  uint32_t nargs;
  uint32_t nret;
  bool in_kernel_xics;
};

constexpr CallSpec kCalls[] = {
    {Id::DisplayCharacter, "display-character", 1, 1, false},
    {Id::GetTimeOfDay, "get-time-of-day", 0, 8, false},
    {Id::SetTimeOfDay, "set-time-of-day", 7, 1, false},
    {Id::PowerOff, "power-off", 2, 1, false},
    {Id::SystemReboot, "system-reboot", 0, 1, false},
    {Id::QueryCpuStoppedState, "query-cpu-stopped-state", 1, 2, false},
    {Id::StartCpu, "start-cpu", 3, 1, false},
    {Id::StopSelf, "stop-self", 0, 1, false},
    {Id::OsTerm, "ibm,os-term", 1, 1, false},
    {Id::SetXive, "ibm,set-xive", 3, 1, true},
    {Id::GetXive, "ibm,get-xive", 1, 3, true},
    {Id::IntOff, "ibm,int-off", 1, 1, true},
    {Id::IntOn, "ibm,int-on", 1, 1, true},
};

uint32_t token_of(size_t index) { return kFirstToken + static_cast<uint32_t>(index); }

const char* name_of(Id id) {
  for (const CallSpec& spec : kCalls)
    if (spec.id == id) return spec.name;
  return "?";
}

}  // namespace

void Rtas::write_blob(uint64_t gpa) const {
  for (size_t i = 0; i < kBlob.size(); ++i) mem_.store_be32(gpa + 4 * i, kBlob[i]);
}

std::vector<std::pair<std::string, uint32_t>> Rtas::tokens() const {
  std::vector<std::pair<std::string, uint32_t>> out;
  for (size_t i = 0; i < std::size(kCalls); ++i) out.emplace_back(kCalls[i].name, token_of(i));
  return out;
}

std::vector<std::pair<std::string, uint32_t>> Rtas::xics_tokens() const {
  std::vector<std::pair<std::string, uint32_t>> out;
  for (size_t i = 0; i < std::size(kCalls); ++i)
    if (kCalls[i].in_kernel_xics) out.emplace_back(kCalls[i].name, token_of(i));
  return out;
}

// The argument block of one call, checked to lie in guest RAM: nargs argument words, then
// nret return words, all big-endian. A return word the caller left no room for is dropped.
class RtasArgs {
 public:
  RtasArgs(const GuestMemory& mem, uint64_t gpa, uint32_t nargs, uint32_t nret)
      : mem_(mem), gpa_(gpa), nargs_(nargs), nret_(nret) {}
  uint32_t arg(uint32_t i) const { return i < nargs_ ? mem_.load_be32(gpa_ + 12 + 4 * i) : 0; }
  void ret(uint32_t i, int64_t value) const {
    if (i < nret_) mem_.store_be32(gpa_ + 12 + 4 * (nargs_ + i), static_cast<uint32_t>(value));
  }

 private:
  const GuestMemory& mem_;
  uint64_t gpa_;
  uint32_t nargs_, nret_;
};

int64_t Rtas::call(unsigned cpu, uint64_t args_gpa) {
  // Header: token, nargs, nret; then nargs argument words and nret return words.
  if (!mem_.contains(args_gpa, 12)) {
    bad_calls_.line("RTAS argument block at " + hex(args_gpa) + " is outside guest RAM");
    return papr::kParameter;
  }
  const uint32_t token = mem_.load_be32(args_gpa);
  const uint32_t nargs = mem_.load_be32(args_gpa + 4);
  const uint32_t nret = mem_.load_be32(args_gpa + 8);
  if (nargs > kMaxWords || nret > kMaxWords || nargs + nret > kMaxWords ||
      !mem_.contains(args_gpa + 12, 4ull * (nargs + nret))) {
    bad_calls_.line("RTAS token " + hex(token) + ": bad argument block at " + hex(args_gpa) + " (nargs " +
                    std::to_string(nargs) + ", nret " + std::to_string(nret) + ")");
    return papr::kParameter;
  }
  const RtasArgs args(mem_, args_gpa, nargs, nret);
  const size_t index = token - kFirstToken;
  if (token < kFirstToken || index >= std::size(kCalls)) {
    bad_calls_.line("unknown RTAS token " + hex(token) + " from vCPU " + std::to_string(cpu));
    args.ret(0, papr::kRtasHardwareError);
    return papr::kSuccess;
  }
  const CallSpec& spec = kCalls[index];
  if (nargs != spec.nargs || nret < 1 || nret > spec.nret) {
    bad_calls_.line(std::string("RTAS ") + spec.name + " with " + std::to_string(nargs) + " args and " +
                    std::to_string(nret) + " returns (expected " + std::to_string(spec.nargs) + " and " +
                    std::to_string(spec.nret) + ")");
    args.ret(0, papr::kRtasParameterError);
    return papr::kSuccess;
  }
  dispatch(static_cast<int>(spec.id), cpu, args);
  return papr::kSuccess;
}

void Rtas::dispatch(int id, unsigned cpu, const RtasArgs& args) {
  switch (static_cast<Id>(id)) {
    case Id::DisplayCharacter: {
      const char c = static_cast<char>(args.arg(0) & 0xff);
      host_.console_write(std::string_view(&c, 1));
      return args.ret(0, papr::kRtasSuccess);
    }
    case Id::GetTimeOfDay: return get_time_of_day(args);
    case Id::SetTimeOfDay: return set_time_of_day(args);
    case Id::PowerOff:
      args.ret(0, papr::kRtasSuccess);
      return host_.power_off();
    case Id::SystemReboot:
      args.ret(0, papr::kRtasSuccess);
      return host_.reboot();
    case Id::QueryCpuStoppedState: {
      int32_t state = 0;
      args.ret(0, host_.query_cpu_stopped_state(args.arg(0), state));
      return args.ret(1, state);
    }
    case Id::StartCpu: return args.ret(0, host_.start_cpu(args.arg(0), args.arg(1), args.arg(2)));
    case Id::StopSelf:
      args.ret(0, papr::kRtasSuccess);
      return host_.stop_self(cpu);
    case Id::OsTerm: return os_term(args);
    case Id::SetXive:
    case Id::GetXive:
    case Id::IntOff:
    case Id::IntOn:
      // KVM answers these when the in-kernel XICS holds their tokens; reaching us means it does not.
      bad_calls_.line(std::string("RTAS ") + name_of(static_cast<Id>(id)) + " reached the VMM: no in-kernel XICS");
      return args.ret(0, papr::kRtasHardwareError);
  }
}

void Rtas::get_time_of_day(const RtasArgs& args) const {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  const time_t t = now.tv_sec + rtc_offset_s_;
  tm utc{};
  gmtime_r(&t, &utc);
  args.ret(0, papr::kRtasSuccess);
  args.ret(1, utc.tm_year + 1900);
  args.ret(2, utc.tm_mon + 1);
  args.ret(3, utc.tm_mday);
  args.ret(4, utc.tm_hour);
  args.ret(5, utc.tm_min);
  args.ret(6, utc.tm_sec);
  args.ret(7, now.tv_nsec);
}

void Rtas::set_time_of_day(const RtasArgs& args) {
  const uint32_t year = args.arg(0), month = args.arg(1), day = args.arg(2), hour = args.arg(3), minute = args.arg(4),
                 second = args.arg(5);
  // Four-digit years: far larger ones overflow struct tm's int fields here or when the clock
  // is read back.
  if (year > 9999 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return args.ret(0, papr::kRtasParameterError);
  tm utc{};
  utc.tm_year = static_cast<int>(year) - 1900;
  utc.tm_mon = static_cast<int>(month) - 1;
  utc.tm_mday = static_cast<int>(day);
  utc.tm_hour = static_cast<int>(hour);
  utc.tm_min = static_cast<int>(minute);
  utc.tm_sec = static_cast<int>(second);
  const time_t wanted = timegm(&utc);
  rtc_offset_s_ = static_cast<int64_t>(wanted) - static_cast<int64_t>(time(nullptr));
  args.ret(0, papr::kRtasSuccess);
}

void Rtas::os_term(const RtasArgs& args) {
  // The message is a NUL-terminated string in guest memory: bounded, and clipped to RAM.
  const uint64_t gpa = args.arg(0);
  std::string message;
  for (uint64_t i = 0; i < kOsTermMaxLen && mem_.contains(gpa + i, 1); ++i) {
    const char c = static_cast<char>(mem_.slice(gpa + i, 1)[0]);
    if (c == '\0') break;
    message.push_back(c);
  }
  args.ret(0, papr::kRtasSuccess);
  host_.os_term(message);
}

}  // namespace ppc::vmm
