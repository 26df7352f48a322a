#include "snapshot/machine_snapshot.h"

#include <nlohmann/json.hpp>

#include <cstring>

#include "base/error.h"

namespace ppc::vmm {
namespace {

using nlohmann::json;

constexpr std::string_view kFormat = "ppc-kvm-vmm snapshot 1";
constexpr size_t kMaxCpus = 64;

std::string to_hex(const void* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  const auto* bytes = static_cast<const uint8_t*>(data);
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 15]);
  }
  return out;
}

int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::vector<uint8_t> from_hex(const json& value, const std::string& field) {
  if (!value.is_string()) throw Error(field + ": not a hex string");
  const std::string& text = value.get_ref<const std::string&>();
  if (text.size() % 2 != 0) throw Error(field + ": odd number of hex digits");
  std::vector<uint8_t> out(text.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    const int high = nibble(text[2 * i]), low = nibble(text[2 * i + 1]);
    if (high < 0 || low < 0) throw Error(field + ": not a hex string");
    out[i] = static_cast<uint8_t>(high << 4 | low);
  }
  return out;
}

template <typename T>
void fill_from_hex(T& target, const json& value, const std::string& field) {
  const std::vector<uint8_t> bytes = from_hex(value, field);
  if (bytes.size() != sizeof(T)) {
    throw Error(field + ": " + std::to_string(bytes.size()) + " bytes, not " + std::to_string(sizeof(T)));
  }
  std::memcpy(&target, bytes.data(), sizeof(T));
}

const json& member(const json& object, const char* key, const std::string& field) {
  if (!object.is_object() || !object.contains(key)) throw Error(field + "." + key + ": missing");
  return object.at(key);
}

uint64_t number(const json& object, const char* key, const std::string& field) {
  const json& value = member(object, key, field);
  if (!value.is_number_unsigned()) throw Error(field + "." + key + ": not an unsigned number");
  return value.get<uint64_t>();
}

bool boolean(const json& object, const char* key, const std::string& field) {
  const json& value = member(object, key, field);
  if (!value.is_boolean()) throw Error(field + "." + key + ": not true or false");
  return value.get<bool>();
}

json encode_cpu(const VcpuState& cpu) {
  json regs = json::array();
  for (const OneReg& reg : cpu.one_regs) regs.push_back({reg.id, to_hex(reg.bytes.data(), reg.bytes.size())});
  return {{"running", cpu.running},
          {"regs", to_hex(&cpu.regs, sizeof cpu.regs)},
          {"sregs", to_hex(&cpu.sregs, sizeof cpu.sregs)},
          {"one_regs", std::move(regs)}};
}

VcpuState decode_cpu(const json& value, const std::string& field) {
  VcpuState cpu;
  cpu.running = boolean(value, "running", field);
  fill_from_hex(cpu.regs, member(value, "regs", field), field + ".regs");
  fill_from_hex(cpu.sregs, member(value, "sregs", field), field + ".sregs");
  const json& regs = member(value, "one_regs", field);
  if (!regs.is_array()) throw Error(field + ".one_regs: not an array");
  for (size_t i = 0; i < regs.size(); ++i) {
    const std::string where = field + ".one_regs[" + std::to_string(i) + "]";
    const json& pair = regs[i];
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_number_unsigned()) throw Error(where + ": not [id, hex]");
    OneReg reg{pair[0].get<uint64_t>(), from_hex(pair[1], where)};
    if ((reg.id & KVM_REG_ARCH_MASK) != KVM_REG_PPC || one_reg_size(reg.id) > 16 ||
        reg.bytes.size() != one_reg_size(reg.id)) {
      throw Error(where + ": not a PowerPC register of " + std::to_string(reg.bytes.size()) + " bytes");
    }
    cpu.one_regs.push_back(std::move(reg));
  }
  return cpu;
}

}  // namespace

std::string encode_snapshot(const MachineSnapshot& snapshot) {
  json cpus = json::array();
  for (const VcpuState& cpu : snapshot.cpus) cpus.push_back(encode_cpu(cpu));
  json out = {{"format", kFormat},
              {"memory", snapshot.memory},
              {"radix", snapshot.radix},
              {"lpcr_mask", snapshot.lpcr_mask},
              {"lpcr_value", snapshot.lpcr_value},
              {"host_timebase", snapshot.host_timebase},
              {"cpus", std::move(cpus)}};
  if (snapshot.process_table) {
    out["process_table"] = {{"flags", snapshot.process_table->first}, {"table", snapshot.process_table->second}};
  }
  return out.dump(1) + "\n";
}

MachineSnapshot decode_snapshot(std::string_view text, const std::string& where) {
  const json in = json::parse(text, nullptr, false);
  if (in.is_discarded()) throw Error(where + ": not JSON (an unfinished snapshot?)");
  const json& format = member(in, "format", where);
  if (!format.is_string() || format.get<std::string>() != kFormat) {
    throw Error(where + ".format: not \"" + std::string(kFormat) + "\" (another VMM's snapshot?)");
  }
  MachineSnapshot snapshot;
  snapshot.memory = number(in, "memory", where);
  snapshot.radix = boolean(in, "radix", where);
  snapshot.lpcr_mask = number(in, "lpcr_mask", where);
  snapshot.lpcr_value = number(in, "lpcr_value", where);
  snapshot.host_timebase = number(in, "host_timebase", where);
  if (in.contains("process_table")) {
    const json& table = in.at("process_table");
    snapshot.process_table = std::make_pair(number(table, "flags", where + ".process_table"),
                                            number(table, "table", where + ".process_table"));
  }
  const json& cpus = member(in, "cpus", where);
  if (!cpus.is_array() || cpus.empty() || cpus.size() > kMaxCpus) {
    throw Error(where + ".cpus: not an array of 1 to " + std::to_string(kMaxCpus) + " vCPUs");
  }
  for (size_t i = 0; i < cpus.size(); ++i) snapshot.cpus.push_back(decode_cpu(cpus[i], where + ".cpus[" + std::to_string(i) + "]"));
  return snapshot;
}

uint64_t continued_tb_offset(const MachineSnapshot& snapshot, uint64_t saved_offset, uint64_t host_timebase_now) {
  // Modular arithmetic: the offset may be "negative" (a guest clock behind the host's).
  return snapshot.host_timebase + saved_offset - host_timebase_now;
}

}  // namespace ppc::vmm
