#include "pseries/rtas.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "memory/guest_memory.h"
#include "pseries/papr.h"

namespace ppc::vmm {
namespace {

constexpr uint64_t kRam = 1 << 20;
constexpr uint64_t kBlock = 0x1000;  // where the tests put argument blocks

struct StartCpuCall {
  uint32_t cpu;
  uint64_t entry;
  uint64_t r3;
};

// Records every RtasHost call; start-cpu and query-cpu-stopped-state answer as configured.
class FakeHost : public RtasHost {
 public:
  void console_write(std::string_view text) override { console += text; }
  void power_off() override { ++power_offs; }
  void reboot() override { ++reboots; }
  void os_term(const std::string& message) override { os_terms.push_back(message); }
  int32_t start_cpu(uint32_t cpu, uint64_t entry, uint64_t r3) override {
    start_cpus.push_back({cpu, entry, r3});
    return start_cpu_status;
  }
  int32_t query_cpu_stopped_state(uint32_t cpu, int32_t& state) override {
    queried_cpus.push_back(cpu);
    state = query_state;
    return query_status;
  }
  void stop_self(unsigned calling_cpu) override { stopped_cpus.push_back(calling_cpu); }

  size_t total_calls() const {
    return console.size() + power_offs + reboots + os_terms.size() + start_cpus.size() + queried_cpus.size() +
           stopped_cpus.size();
  }

  std::string console;
  int power_offs = 0;
  int reboots = 0;
  std::vector<std::string> os_terms;
  std::vector<StartCpuCall> start_cpus;
  int32_t start_cpu_status = 0;
  std::vector<uint32_t> queried_cpus;
  int32_t query_status = 0;
  int32_t query_state = 0;
  std::vector<unsigned> stopped_cpus;
};

class RtasTest : public ::testing::Test {
 protected:
  RtasTest() : mem_(kRam), rtas_(mem_, host_) {}

  uint32_t token(const std::string& name) const {
    for (const auto& [n, t] : rtas_.tokens())
      if (n == name) return t;
    ADD_FAILURE() << "no RTAS token for " << name;
    return 0;
  }

  // Writes token, nargs, nret and the arguments at gpa; the return words are filled with a
  // marker so a test can tell whether they were written (the first 16 of them).
  void write_block(uint64_t gpa, uint32_t tok, uint32_t nargs, uint32_t nret, const std::vector<uint32_t>& args) {
    mem_.store_be32(gpa, tok);
    mem_.store_be32(gpa + 4, nargs);
    mem_.store_be32(gpa + 8, nret);
    for (uint32_t i = 0; i < args.size(); ++i) mem_.store_be32(gpa + 12 + 4 * i, args[i]);
    for (uint32_t i = 0; i < nret && i < 16; ++i)  // bounded: some tests pass absurd counts
      if (mem_.contains(gpa + 12 + 4 * (nargs + i), 4)) mem_.store_be32(gpa + 12 + 4 * (nargs + i), kUnwritten);
  }

  // Runs a well-formed call with args.size() arguments at kBlock and returns its return words.
  std::vector<int32_t> run(const std::string& name, const std::vector<uint32_t>& args, uint32_t nret,
                           unsigned cpu = 0) {
    write_block(kBlock, token(name), static_cast<uint32_t>(args.size()), nret, args);
    EXPECT_EQ(rtas_.call(cpu, kBlock), papr::kSuccess) << name;
    return rets(kBlock, static_cast<uint32_t>(args.size()), nret);
  }

  std::vector<int32_t> rets(uint64_t gpa, uint32_t nargs, uint32_t nret) const {
    std::vector<int32_t> out;
    for (uint32_t i = 0; i < nret; ++i) out.push_back(static_cast<int32_t>(mem_.load_be32(gpa + 12 + 4 * (nargs + i))));
    return out;
  }

  static constexpr uint32_t kUnwritten = 0xdeadbeef;

  GuestMemory mem_;
  FakeHost host_;
  Rtas rtas_;
};

TEST_F(RtasTest, TokensNameEachCallOnceWithDistinctTokens) {
  const auto tokens = rtas_.tokens();
  ASSERT_FALSE(tokens.empty());
  std::set<std::string> names;
  std::set<uint32_t> values;
  for (const auto& [name, tok] : tokens) {
    EXPECT_TRUE(names.insert(name).second) << "duplicate name " << name;
    EXPECT_TRUE(values.insert(tok).second) << "duplicate token " << tok << " for " << name;
  }
  for (const char* name : {"display-character", "get-time-of-day", "set-time-of-day", "power-off", "system-reboot",
                           "query-cpu-stopped-state", "start-cpu", "stop-self", "ibm,os-term", "ibm,set-xive",
                           "ibm,get-xive", "ibm,int-off", "ibm,int-on"}) {
    EXPECT_EQ(names.count(name), 1u) << name;
  }
  EXPECT_EQ(tokens.size(), 13u);
}

TEST_F(RtasTest, XicsTokensAreTheFourInterruptCallsAndMatchTokens) {
  const auto xics = rtas_.xics_tokens();
  std::set<std::string> names;
  for (const auto& [name, tok] : xics) names.insert(name);
  EXPECT_EQ(names, (std::set<std::string>{"ibm,set-xive", "ibm,get-xive", "ibm,int-off", "ibm,int-on"}));
  EXPECT_EQ(xics.size(), 4u);
  const auto all = rtas_.tokens();
  for (const auto& entry : xics) {
    EXPECT_NE(std::find(all.begin(), all.end(), entry), all.end()) << entry.first << " not in tokens()";
  }
}

TEST_F(RtasTest, WriteBlobStoresFiveBigEndianWords) {
  rtas_.write_blob(0x2000);
  const uint8_t* p = mem_.host_base() + 0x2000;
  const uint8_t expected[20] = {0x7c, 0x64, 0x1b, 0x78, 0x3c, 0x60, 0x00, 0x00, 0x60, 0x63,
                                0xf0, 0x00, 0x44, 0x00, 0x00, 0x22, 0x4e, 0x80, 0x00, 0x20};
  EXPECT_EQ(std::memcmp(p, expected, sizeof expected), 0);
  EXPECT_EQ(Rtas::kBlobSize, 20u);
  EXPECT_EQ(p[20], 0) << "wrote past the blob";
  EXPECT_EQ(p[-1], 0) << "wrote before the blob";
}

TEST_F(RtasTest, GetTimeOfDayReturnsAPlausibleDate) {
  const auto r = run("get-time-of-day", {}, 8);
  EXPECT_EQ(r[0], papr::kRtasSuccess);
  EXPECT_GE(r[1], 2024);
  EXPECT_LT(r[1], 2200);
  EXPECT_GE(r[2], 1);
  EXPECT_LE(r[2], 12);
  EXPECT_GE(r[3], 1);
  EXPECT_LE(r[3], 31);
  EXPECT_GE(r[4], 0);
  EXPECT_LE(r[4], 23);
  EXPECT_GE(r[5], 0);
  EXPECT_LE(r[5], 59);
  EXPECT_GE(r[6], 0);
  EXPECT_LE(r[6], 60);
  EXPECT_GE(r[7], 0);
  EXPECT_LT(r[7], 1000000000);
}

TEST_F(RtasTest, SetTimeOfDayMovesTheGuestClock) {
  const auto set = run("set-time-of-day", {2030, 6, 15, 12, 0, 0, 0}, 1);
  EXPECT_EQ(set[0], papr::kRtasSuccess);
  const auto r = run("get-time-of-day", {}, 8);
  EXPECT_EQ(r[0], papr::kRtasSuccess);
  EXPECT_EQ(r[1], 2030);
  EXPECT_EQ(r[2], 6);
  EXPECT_EQ(r[3], 15);
  EXPECT_EQ(r[4], 12);
  EXPECT_EQ(r[5], 0);
  EXPECT_LE(r[6], 2);  // a few seconds at most have passed
}

TEST_F(RtasTest, SetTimeOfDayRejectsAYearPastFourDigits) {
  EXPECT_EQ(run("set-time-of-day", {9999, 6, 15, 12, 0, 0, 0}, 1)[0], papr::kRtasSuccess);
  for (const uint32_t year : {10000u, 0x7fffffffu, 0x80000000u, 0x8000076bu, 0xffffffffu}) {
    const auto set = run("set-time-of-day", {year, 6, 15, 12, 0, 0, 0}, 1);
    EXPECT_EQ(set[0], papr::kRtasParameterError) << year;
  }
}

TEST_F(RtasTest, SetTimeOfDayRejectsAnImpossibleMonth) {
  const auto set = run("set-time-of-day", {2030, 13, 15, 12, 0, 0, 0}, 1);
  EXPECT_EQ(set[0], papr::kRtasParameterError);
  const auto r = run("get-time-of-day", {}, 8);
  EXPECT_NE(r[1], 2030) << "a rejected set-time-of-day moved the clock";
}

TEST_F(RtasTest, PowerOffAndRebootReachTheHost) {
  EXPECT_EQ(run("power-off", {0, 0}, 1)[0], papr::kRtasSuccess);
  EXPECT_EQ(host_.power_offs, 1);
  EXPECT_EQ(host_.reboots, 0);
  EXPECT_EQ(run("system-reboot", {}, 1)[0], papr::kRtasSuccess);
  EXPECT_EQ(host_.reboots, 1);
  EXPECT_EQ(host_.power_offs, 1);
}

TEST_F(RtasTest, StartCpuPassesArgumentsAndReturnsHostStatus) {
  host_.start_cpu_status = 0;
  EXPECT_EQ(run("start-cpu", {2, 0x12340, 0xabcdef}, 1)[0], 0);
  ASSERT_EQ(host_.start_cpus.size(), 1u);
  EXPECT_EQ(host_.start_cpus[0].cpu, 2u);
  EXPECT_EQ(host_.start_cpus[0].entry, 0x12340u);
  EXPECT_EQ(host_.start_cpus[0].r3, 0xabcdefu);

  host_.start_cpu_status = papr::kRtasParameterError;
  EXPECT_EQ(run("start-cpu", {7, 0x100, 0}, 1)[0], papr::kRtasParameterError);
  ASSERT_EQ(host_.start_cpus.size(), 2u);
  EXPECT_EQ(host_.start_cpus[1].cpu, 7u);
}

TEST_F(RtasTest, QueryCpuStoppedStateReturnsStatusAndState) {
  host_.query_status = 0;
  host_.query_state = 2;
  const auto r = run("query-cpu-stopped-state", {3}, 2);
  EXPECT_EQ(r[0], 0);
  EXPECT_EQ(r[1], 2);
  ASSERT_EQ(host_.queried_cpus, std::vector<uint32_t>{3});

  host_.query_status = papr::kRtasParameterError;
  host_.query_state = 0;
  const auto r2 = run("query-cpu-stopped-state", {99}, 2);
  EXPECT_EQ(r2[0], papr::kRtasParameterError);
  EXPECT_EQ(r2[1], 0);
}

TEST_F(RtasTest, StopSelfReportsTheCallingCpu) {
  EXPECT_EQ(run("stop-self", {}, 1, /*cpu=*/5)[0], papr::kRtasSuccess);
  EXPECT_EQ(host_.stopped_cpus, std::vector<unsigned>{5});
}

TEST_F(RtasTest, DisplayCharacterWritesOneCharacter) {
  EXPECT_EQ(run("display-character", {'A'}, 1)[0], papr::kRtasSuccess);
  EXPECT_EQ(run("display-character", {0x100 | '\n'}, 1)[0], papr::kRtasSuccess);  // only the low byte
  EXPECT_EQ(host_.console, "A\n");
}

TEST_F(RtasTest, OsTermReadsTheNulTerminatedMessage) {
  const char msg[] = "kernel panic";
  mem_.write(0x3000, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(msg), sizeof msg));
  mem_.store_be32(0x3000 + sizeof msg, 0x58585858);  // "XXXX" after the NUL: not part of it
  EXPECT_EQ(run("ibm,os-term", {0x3000}, 1)[0], papr::kRtasSuccess);
  EXPECT_EQ(host_.os_terms, std::vector<std::string>{"kernel panic"});
}

TEST_F(RtasTest, OsTermMessageRunningOffRamIsClipped) {
  const std::string tail = "END!";
  const uint64_t gpa = kRam - tail.size();
  mem_.write(gpa, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(tail.data()), tail.size()));
  EXPECT_EQ(run("ibm,os-term", {static_cast<uint32_t>(gpa)}, 1)[0], papr::kRtasSuccess);
  EXPECT_EQ(host_.os_terms, std::vector<std::string>{"END!"});
}

TEST_F(RtasTest, OsTermMessageOutsideRamIsEmpty) {
  EXPECT_EQ(run("ibm,os-term", {static_cast<uint32_t>(kRam + 0x100)}, 1)[0], papr::kRtasSuccess);
  EXPECT_EQ(host_.os_terms, std::vector<std::string>{""});
}

TEST_F(RtasTest, OsTermMessageIsBoundedTo1024Bytes) {
  std::vector<uint8_t> text(4096, 'x');
  mem_.write(0x4000, text);
  run("ibm,os-term", {0x4000}, 1);
  ASSERT_EQ(host_.os_terms.size(), 1u);
  EXPECT_EQ(host_.os_terms[0], std::string(1024, 'x'));
}

TEST_F(RtasTest, XicsCallsReachingTheVmmFailWithHardwareError) {
  EXPECT_EQ(run("ibm,int-on", {5}, 1)[0], papr::kRtasHardwareError);
  EXPECT_EQ(run("ibm,set-xive", {5, 0, 5}, 1)[0], papr::kRtasHardwareError);
  EXPECT_EQ(host_.total_calls(), 0u);
}

TEST_F(RtasTest, UnknownTokenGetsHardwareErrorAndHcallSucceeds) {
  uint32_t max_token = 0;
  for (const auto& [name, tok] : rtas_.tokens()) max_token = std::max(max_token, tok);
  for (uint32_t bad : {0u, 0x1fffu, max_token + 1, 0xffffffffu}) {
    SCOPED_TRACE(bad);
    write_block(kBlock, bad, 1, 1, {0});
    EXPECT_EQ(rtas_.call(0, kBlock), papr::kSuccess);
    EXPECT_EQ(rets(kBlock, 1, 1)[0], papr::kRtasHardwareError);
  }
  EXPECT_EQ(host_.total_calls(), 0u);
}

TEST_F(RtasTest, WrongArgumentCountGetsParameterError) {
  write_block(kBlock, token("power-off"), 1, 1, {0});  // power-off takes 2
  EXPECT_EQ(rtas_.call(0, kBlock), papr::kSuccess);
  EXPECT_EQ(rets(kBlock, 1, 1)[0], papr::kRtasParameterError);

  write_block(kBlock, token("start-cpu"), 3, 2, {1, 0, 0});  // start-cpu returns 1 word, not 2
  EXPECT_EQ(rtas_.call(0, kBlock), papr::kSuccess);
  EXPECT_EQ(rets(kBlock, 3, 2)[0], papr::kRtasParameterError);
  EXPECT_EQ(host_.total_calls(), 0u);
}

TEST_F(RtasTest, ArgumentBlockOutsideRamIsHParameterAndHostUntouched) {
  for (uint64_t gpa : {kRam - 8, kRam, kRam + 0x1000, UINT64_MAX - 4}) {
    SCOPED_TRACE(gpa);
    EXPECT_EQ(rtas_.call(0, gpa), papr::kParameter);
  }
  EXPECT_EQ(host_.total_calls(), 0u);
}

TEST_F(RtasTest, TooManyWordsIsHParameter) {
  write_block(kBlock, token("power-off"), 2, 15, {0, 0});  // 17 words
  EXPECT_EQ(rtas_.call(0, kBlock), papr::kParameter);
  write_block(kBlock, token("power-off"), 0xffffffff, 1, {});  // would wrap nargs + nret
  EXPECT_EQ(rtas_.call(0, kBlock), papr::kParameter);
  write_block(kBlock, token("power-off"), 2, 0xffffffff, {0, 0});
  EXPECT_EQ(rtas_.call(0, kBlock), papr::kParameter);
  EXPECT_EQ(host_.power_offs, 0);
}

TEST_F(RtasTest, ReturnsRunningPastRamEndIsHParameter) {
  // Header and both arguments fit; the single return word is 4 bytes past the end.
  const uint64_t gpa = kRam - 12 - 8;
  write_block(gpa, token("power-off"), 2, 1, {0, 0});
  EXPECT_EQ(rtas_.call(0, gpa), papr::kParameter);
  EXPECT_EQ(host_.power_offs, 0);

  // The same block one word lower fits exactly and runs.
  const uint64_t fits = kRam - 12 - 12;
  write_block(fits, token("power-off"), 2, 1, {0, 0});
  EXPECT_EQ(rtas_.call(0, fits), papr::kSuccess);
  EXPECT_EQ(rets(fits, 2, 1)[0], papr::kRtasSuccess);
  EXPECT_EQ(host_.power_offs, 1);
}

}  // namespace
}  // namespace ppc::vmm
