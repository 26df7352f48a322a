#include "snapshot/machine_snapshot.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "base/error.h"

namespace ppc::vmm {
namespace {

MachineSnapshot two_cpus() {
  MachineSnapshot s;
  s.memory = 256ull << 20;
  s.radix = true;
  s.process_table = std::make_pair(0x1800000000000000ull, 0x1234000ull);
  s.lpcr_mask = 0x3800000;
  s.lpcr_value = 0x1800000;
  s.host_timebase = 0xfedcba9876543210ull;
  for (int i = 0; i < 2; ++i) {
    VcpuState cpu;
    cpu.running = i == 0;
    cpu.regs.pc = 0xc000000000001234ull + i;
    cpu.regs.gpr[3] = 42;
    cpu.sregs.pvr = 0x4e1200;
    cpu.one_regs.push_back({KVM_REG_PPC_TB_OFFSET, {1, 2, 3, 4, 5, 6, 7, 8}});
    cpu.one_regs.push_back({KVM_REG_PPC_VSR(0), std::vector<uint8_t>(16, 0xab)});
    cpu.one_regs.push_back({KVM_REG_PPC_VSCR, {9, 8, 7, 6}});
    s.cpus.push_back(cpu);
  }
  return s;
}

DeviceState an_rng() {
  DeviceState d;
  d.name = "rng";
  d.device_id = 4;
  d.used_buffers_source = 0x1234500000000ull;
  d.config_source = 0xff00000000ull;
  d.transport.status = 15;
  d.transport.device_features_sel = 1;
  d.transport.driver_features_sel = 2;
  d.transport.queue_sel = 1;
  d.transport.driver_features = 0x120000000ull;
  d.transport.config_generation = 3;
  d.transport.interrupt_status = 2;
  d.transport.active = true;
  QueueState q;
  q.size = 256;
  q.desc = 0x7f0000;
  q.avail = 0x7f1000;
  q.used = 0x7f2000;
  q.ready = true;
  q.next_avail = 0xfffe;
  q.next_used = 0xfffd;
  q.published_used = 0xfffc;
  q.event_idx = true;
  q.signalled_used = 0xfffb;
  q.signalled_valid = true;
  d.transport.queues = {q, QueueState{}};
  return d;
}

std::string decode_error(const std::string& text) {
  try {
    decode_snapshot(text, "state.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "(decoded)";
}

TEST(MachineSnapshot, EveryFieldComesBack) {
  const MachineSnapshot in = two_cpus();
  const MachineSnapshot out = decode_snapshot(encode_snapshot(in), "state.json");
  EXPECT_EQ(out.memory, in.memory);
  EXPECT_EQ(out.radix, in.radix);
  EXPECT_EQ(out.process_table, in.process_table);
  EXPECT_EQ(out.lpcr_mask, in.lpcr_mask);
  EXPECT_EQ(out.lpcr_value, in.lpcr_value);
  EXPECT_EQ(out.host_timebase, in.host_timebase);
  ASSERT_EQ(out.cpus.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(out.cpus[i].running, in.cpus[i].running);
    EXPECT_EQ(std::memcmp(&out.cpus[i].regs, &in.cpus[i].regs, sizeof(kvm_regs)), 0);
    EXPECT_EQ(std::memcmp(&out.cpus[i].sregs, &in.cpus[i].sregs, sizeof(kvm_sregs)), 0);
    ASSERT_EQ(out.cpus[i].one_regs.size(), 3u);
    for (size_t r = 0; r < 3; ++r) {
      EXPECT_EQ(out.cpus[i].one_regs[r].id, in.cpus[i].one_regs[r].id);
      EXPECT_EQ(out.cpus[i].one_regs[r].bytes, in.cpus[i].one_regs[r].bytes);
    }
  }
}

TEST(MachineSnapshot, EveryDeviceFieldComesBack) {
  MachineSnapshot in = two_cpus();
  in.devices = {an_rng()};
  const MachineSnapshot out = decode_snapshot(encode_snapshot(in), "state.json");
  ASSERT_EQ(out.devices.size(), 1u);
  EXPECT_TRUE(out.devices[0] == in.devices[0]);
  EXPECT_EQ(out.devices[0].transport.queues[0].next_avail, 0xfffe);  // a field of each kind, by name
  EXPECT_EQ(out.devices[0].transport.device_features_sel, 1u);
  EXPECT_EQ(out.devices[0].name, "rng");
}

TEST(MachineSnapshot, ADeviceOutOfRangeIsRefusedNamingTheField) {
  MachineSnapshot in = two_cpus();
  in.devices = {an_rng()};
  std::string text = encode_snapshot(in);
  text.replace(text.find("\"next_avail\": 65534"), 19, "\"next_avail\": 65536");
  EXPECT_EQ(decode_error(text), "state.json.devices[0].queues[0].next_avail: 65536 is too large");
  in.devices[0].name = std::string(33, 'x');
  EXPECT_EQ(decode_error(encode_snapshot(in)),
            "state.json.devices[0].name: not a name of at most 32 letters, digits, '-' or '_'");
  in.devices[0].name = "rng\n\x1b[2J";
  EXPECT_EQ(decode_error(encode_snapshot(in)),
            "state.json.devices[0].name: not a name of at most 32 letters, digits, '-' or '_'");
  in.devices[0] = an_rng();
  in.devices[0].transport.queues.resize(65);
  EXPECT_EQ(decode_error(encode_snapshot(in)), "state.json.devices[0].queues: not an array of at most 64 queues");
  in.devices.assign(65, an_rng());
  EXPECT_EQ(decode_error(encode_snapshot(in)), "state.json.devices: not an array of at most 64 devices");
  text = encode_snapshot(two_cpus());
  text.replace(text.find("\"devices\""), 9, "\"gadgets\"");
  EXPECT_EQ(decode_error(text), "state.json.devices: missing");
}

TEST(MachineSnapshot, NoProcessTableStaysNone) {
  MachineSnapshot in = two_cpus();
  in.process_table.reset();
  EXPECT_FALSE(decode_snapshot(encode_snapshot(in), "state.json").process_table.has_value());
}

TEST(MachineSnapshot, BadFilesAreRefusedNamingTheField) {
  const std::string good = encode_snapshot(two_cpus());
  EXPECT_EQ(decode_error(good.substr(0, good.size() / 2)), "state.json: not JSON (an unfinished snapshot?)");
  EXPECT_NE(decode_error(R"({"format": "another"})").find("state.json.format: not \"ppc-kvm-vmm snapshot 2\""),
            std::string::npos);
  std::string text = good;
  text.replace(text.find("\"memory\""), 8, "\"memoir\"");
  EXPECT_EQ(decode_error(text), "state.json.memory: missing");
  text = good;
  const size_t regs = text.find("\"regs\": \"") + 9;
  text[regs] = 'z';
  EXPECT_EQ(decode_error(text), "state.json.cpus[0].regs: not a hex string");
  text = good;
  text.insert(text.find("\"sregs\": \"") + 10, "00");
  EXPECT_NE(decode_error(text).find("state.json.cpus[0].sregs: " + std::to_string(sizeof(kvm_sregs) + 1) + " bytes"),
            std::string::npos);
}

TEST(MachineSnapshot, ARegisterMustHaveItsSize) {
  MachineSnapshot in = two_cpus();
  in.cpus[1].one_regs[2].bytes.push_back(0);  // VSCR: 4 bytes, not 5
  EXPECT_EQ(decode_error(encode_snapshot(in)),
            "state.json.cpus[1].one_regs[2]: not a PowerPC register of 5 bytes");
  in = two_cpus();
  in.cpus[0].one_regs[0].id = 0x6000000000000001ull;  // another architecture's id
  EXPECT_EQ(decode_error(encode_snapshot(in)), "state.json.cpus[0].one_regs[0]: not a PowerPC register of 8 bytes");
}

TEST(MachineSnapshot, NoCpusOrTooManyAreRefused) {
  MachineSnapshot in = two_cpus();
  in.cpus.clear();
  EXPECT_EQ(decode_error(encode_snapshot(in)), "state.json.cpus: not an array of 1 to 64 vCPUs");
  in = two_cpus();
  in.cpus.resize(65, in.cpus[0]);
  EXPECT_EQ(decode_error(encode_snapshot(in)), "state.json.cpus: not an array of 1 to 64 vCPUs");
}

// The guest's clock goes on where it stopped, in modular arithmetic: an offset that puts the
// guest behind the host wraps.
TEST(MachineSnapshot, TheClockGoesOnWhereItStopped) {
  MachineSnapshot s;
  s.host_timebase = 1000;
  EXPECT_EQ(continued_tb_offset(s, 0, 5000), static_cast<uint64_t>(-4000));
  EXPECT_EQ(1000 + continued_tb_offset(s, 500, 1000), 1500u);
  EXPECT_EQ(7000 + continued_tb_offset(s, 500, 7000), 1500u);  // the guest's timebase when saved
}

}  // namespace
}  // namespace ppc::vmm
