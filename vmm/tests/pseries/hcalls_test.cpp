#include "pseries/hcalls.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "console.h"
#include "memory/guest_memory.h"
#include "pseries/papr.h"
#include "pseries/rtas.h"

namespace ppc::vmm {
namespace {

// "hello" as H_PUT_TERM_CHAR carries it: big-endian bytes in r6, r7.
void pack(const std::string& text, HcallArgs& args) {
  args[2] = args[3] = 0;
  for (size_t i = 0; i < text.size(); ++i)
    args[2 + i / 8] |= static_cast<uint64_t>(static_cast<uint8_t>(text[i])) << (56 - 8 * (i % 8));
}

struct Pipe {
  Pipe() {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
    read_end.reset(fds[0]);
    write_end.reset(fds[1]);
  }
  std::string drain() const {
    char buf[256];
    const ssize_t n = ::read(read_end.get(), buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  }
  UniqueFd read_end, write_end;
};

TEST(ConsoleHcalls, PutTermCharWritesTheBytesInOrder) {
  Pipe out;
  Console console(out.write_end.get(), UniqueFd(), -1);
  HcallTable table;
  add_console_hcalls(table, console);
  HcallArgs args = {papr::kVtermNo, 13};
  pack("hello, world!", args);
  EXPECT_EQ(table.call(0, papr::kHPutTermChar, args), papr::kSuccess);
  EXPECT_EQ(out.drain(), "hello, world!");
}

TEST(ConsoleHcalls, PutTermCharRefusesAnotherTerminalOrTooManyBytes) {
  Pipe out;
  Console console(out.write_end.get(), UniqueFd(), -1);
  HcallTable table;
  add_console_hcalls(table, console);
  HcallArgs other = {0x30000001, 1};
  EXPECT_EQ(table.call(0, papr::kHPutTermChar, other), papr::kParameter);
  HcallArgs too_long = {0, 17};
  EXPECT_EQ(table.call(0, papr::kHPutTermChar, too_long), papr::kParameter);
  HcallArgs huge = {0, ~0ull};
  EXPECT_EQ(table.call(0, papr::kHPutTermChar, huge), papr::kParameter);
  EXPECT_EQ(out.drain(), "");
}

TEST(ConsoleHcalls, GetTermCharReturnsPendingInputBigEndian) {
  Pipe in, out;
  ASSERT_EQ(::write(in.write_end.get(), "ab", 2), 2);
  Console console(out.write_end.get(), UniqueFd(), in.read_end.get());
  HcallTable table;
  add_console_hcalls(table, console);
  HcallArgs args = {0};
  EXPECT_EQ(table.call(0, papr::kHGetTermChar, args), papr::kSuccess);
  EXPECT_EQ(args[0], 2u);
  EXPECT_EQ(args[1], (uint64_t{'a'} << 56) | (uint64_t{'b'} << 48));
  EXPECT_EQ(args[2], 0u);
}

struct LpcrCall {
  uint64_t mask, value;
};

TEST(SetModeHcall, LittleEndianExceptionsSetLpcrIle) {
  std::vector<LpcrCall> calls;
  HcallTable table;
  add_set_mode_hcall(table, [&](uint64_t m, uint64_t v) { calls.push_back({m, v}); return papr::kSuccess; }, false);
  HcallArgs on = {1, papr::kSetModeLittleEndian};
  EXPECT_EQ(table.call(0, papr::kHSetMode, on), papr::kSuccess);
  HcallArgs off = {0, papr::kSetModeLittleEndian};
  EXPECT_EQ(table.call(0, papr::kHSetMode, off), papr::kSuccess);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].mask, papr::kLpcrIle);
  EXPECT_EQ(calls[0].value, papr::kLpcrIle);
  EXPECT_EQ(calls[1].value, 0u);
  HcallArgs bad_flags = {2, papr::kSetModeLittleEndian};
  EXPECT_EQ(table.call(0, papr::kHSetMode, bad_flags), papr::kUnsupportedFlag);
  HcallArgs bad_value = {1, papr::kSetModeLittleEndian, 1};
  EXPECT_EQ(table.call(0, papr::kHSetMode, bad_value), papr::kP3);
  HcallArgs bad_resource = {0, 99};
  EXPECT_EQ(table.call(0, papr::kHSetMode, bad_resource), papr::kP2);
  EXPECT_EQ(calls.size(), 2u);
}

TEST(SetModeHcall, RelocationOnExceptionsOnlyOnKvmHv) {
  std::vector<LpcrCall> calls;
  auto record = [&](uint64_t m, uint64_t v) { calls.push_back({m, v}); return papr::kSuccess; };
  HcallTable pr, hv;
  add_set_mode_hcall(pr, record, false);
  add_set_mode_hcall(hv, record, true);
  HcallArgs ail3 = {3, papr::kSetModeAddrTransMode};
  EXPECT_EQ(pr.call(0, papr::kHSetMode, ail3), papr::kUnsupportedFlag);
  EXPECT_TRUE(calls.empty());
  EXPECT_EQ(hv.call(0, papr::kHSetMode, ail3), papr::kSuccess);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].mask, papr::kLpcrAilMask);
  EXPECT_EQ(calls[0].value, 3ull << papr::kLpcrAilShift);
  HcallArgs ail1 = {1, papr::kSetModeAddrTransMode};
  EXPECT_EQ(hv.call(0, papr::kHSetMode, ail1), papr::kUnsupportedFlag);
}

TEST(RandomHcall, ReturnsFreshBytesInR4) {
  HcallTable table;
  add_random_hcall(table);
  HcallArgs a = {}, b = {};
  EXPECT_EQ(table.call(0, papr::kHRandom, a), papr::kSuccess);
  EXPECT_EQ(table.call(0, papr::kHRandom, b), papr::kSuccess);
  EXPECT_NE(a[0], b[0]);  // 2^-64 to fail by chance
}

TEST(CpuCharacteristicsHcall, ReturnsTheHostsAnswerInR4AndR5AndLeavesTheRest) {
  HcallTable table;
  add_cpu_characteristics_hcall(table, {0x2c00'0000'0000'0000ull, 0xc000'0000'0000'0000ull});
  HcallArgs args = {7, 7, 7, 7};
  EXPECT_EQ(table.call(0, papr::kHGetCpuCharacteristics, args), papr::kSuccess);
  EXPECT_EQ(args[0], 0x2c00'0000'0000'0000ull);
  EXPECT_EQ(args[1], 0xc000'0000'0000'0000ull);
  EXPECT_EQ(args[2], 7u);
}

// PAPR's (and KVM_PPC_GET_CPU_CHAR's) bits: character 61 and 60 = the ori30 and mttrig L1 flushes;
// behaviour 63 = favour security, 62 = flush L1 on return to user space.
constexpr uint64_t kFlushOri30 = 1ull << 61, kFlushTrig2 = 1ull << 60;
constexpr uint64_t kFavourSecurity = 1ull << 63, kFlushOnReturnToUser = 1ull << 62;

TEST(CpuCharacteristicsHcall, TheGuestIsToldOnlyTheBitsTheHostKernelKnows) {
  const CpuCharacteristics host{kFlushOri30 | kFlushTrig2 | (1ull << 3), kFavourSecurity | kFlushOnReturnToUser | (1ull << 2)};
  const CpuCharacteristics known{kFlushOri30 | kFlushTrig2, kFavourSecurity | kFlushOnReturnToUser};
  const std::optional<CpuCharacteristics> told = guest_cpu_characteristics(host, known);
  ASSERT_TRUE(told);
  EXPECT_EQ(told->character, kFlushOri30 | kFlushTrig2);
  EXPECT_EQ(told->behaviour, kFavourSecurity | kFlushOnReturnToUser);
}

TEST(CpuCharacteristicsHcall, AHostKernelThatKnowsNoBitTellsTheGuestNothing) {
  // KVM's answer on a powernv firmware without fw-features: nothing known.
  EXPECT_FALSE(guest_cpu_characteristics({0, 0}, {0, 0}));
  // Knowing that a bit is clear is an answer: the guest is told so.
  const std::optional<CpuCharacteristics> told = guest_cpu_characteristics({0, 0}, {0, kFavourSecurity});
  ASSERT_TRUE(told);
  EXPECT_EQ(told->behaviour, 0u);
}

TEST(HashReadHcall, ReadsOneOrFourBigEndianEntriesInsideTheTable) {
  std::vector<uint8_t> hpt(16 * 8);
  for (size_t i = 0; i < hpt.size(); ++i) hpt[i] = static_cast<uint8_t>(i);
  HcallTable table;
  add_hash_read_hcall(table, hpt);
  HcallArgs one = {0, 1};
  EXPECT_EQ(table.call(0, papr::kHRead, one), papr::kSuccess);
  EXPECT_EQ(one[0], 0x1011121314151617ull);
  EXPECT_EQ(one[1], 0x18191a1b1c1d1e1full);
  HcallArgs four = {papr::kHRead4, 6};  // rounded down to entry 4
  EXPECT_EQ(table.call(0, papr::kHRead, four), papr::kSuccess);
  EXPECT_EQ(four[0], 0x4041424344454647ull);
  EXPECT_EQ(four[7], 0x78797a7b7c7d7e7full);
  HcallArgs past = {0, 8};
  EXPECT_EQ(table.call(0, papr::kHRead, past), papr::kParameter);
  HcallArgs huge = {0, ~0ull};
  EXPECT_EQ(table.call(0, papr::kHRead, huge), papr::kParameter);
}

TEST(ProcessTableHcall, HandsANewAlignedRadixTableInsideRamToKvm) {
  GuestMemory mem(16 << 20);
  std::vector<std::pair<uint64_t, uint64_t>> configured;
  HcallTable table;
  add_process_table_hcall(table, mem, [&](uint64_t flags, uint64_t t) { configured.push_back({flags, t}); });
  // flags: new, radix, GTSE; base 1 MiB; size field 4 (64 KiB).
  HcallArgs good = {papr::kProcTableNew | papr::kProcTableRadix | papr::kProcTableGtse, 0x100000, 0, 4};
  EXPECT_EQ(table.call(0, papr::kHRegisterProcTbl, good), papr::kSuccess);
  ASSERT_EQ(configured.size(), 1u);
  EXPECT_EQ(configured[0].first, 3u);                            // radix | GTSE
  EXPECT_EQ(configured[0].second, 0x100000u | 4u | (1ull << 63));  // PATB_GR
  HcallArgs hash = {papr::kProcTableNew, 0x100000, 0, 4};
  EXPECT_EQ(table.call(0, papr::kHRegisterProcTbl, hash), papr::kParameter);
  HcallArgs too_big = {papr::kProcTableNew | papr::kProcTableRadix, 0x100000, 0, 25};
  EXPECT_EQ(table.call(0, papr::kHRegisterProcTbl, too_big), papr::kP4);
  HcallArgs unaligned = {papr::kProcTableNew | papr::kProcTableRadix, 0x100800, 0, 4};
  EXPECT_EQ(table.call(0, papr::kHRegisterProcTbl, unaligned), papr::kP2);
  HcallArgs outside = {papr::kProcTableNew | papr::kProcTableRadix, 16 << 20, 0, 4};
  EXPECT_EQ(table.call(0, papr::kHRegisterProcTbl, outside), papr::kP2);
  EXPECT_EQ(configured.size(), 1u);
}

class NoRtasHost : public RtasHost {
 public:
  void console_write(std::string_view) override {}
  void power_off() override { ++power_offs; }
  void reboot() override {}
  void os_term(const std::string&) override {}
  int32_t start_cpu(uint32_t, uint64_t, uint64_t) override { return 0; }
  int32_t query_cpu_stopped_state(uint32_t, int32_t&) override { return 0; }
  void stop_self(unsigned) override {}
  int power_offs = 0;
};

TEST(RtasHcall, PassesR4AsTheArgumentBlock) {
  GuestMemory mem(1 << 20);
  NoRtasHost host;
  Rtas rtas(mem, host);
  HcallTable table;
  add_rtas_hcall(table, rtas);
  uint32_t power_off_token = 0;
  for (const auto& [name, token] : rtas.tokens())
    if (name == "power-off") power_off_token = token;
  ASSERT_NE(power_off_token, 0u);
  mem.store_be32(0x1000, power_off_token);
  mem.store_be32(0x1004, 2);
  mem.store_be32(0x1008, 1);
  HcallArgs args = {0x1000};
  EXPECT_EQ(table.call(0, papr::kHRtas, args), papr::kSuccess);
  EXPECT_EQ(host.power_offs, 1);
  HcallArgs outside = {2 << 20};
  EXPECT_EQ(table.call(0, papr::kHRtas, outside), papr::kParameter);
}

}  // namespace
}  // namespace ppc::vmm
