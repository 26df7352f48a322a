#include "snapshot/machine_snapshot.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <limits>
#include <optional>

#include "base/error.h"
#include "base/hex.h"

namespace ppc::vmm {
namespace {

using nlohmann::json;

constexpr std::string_view kFormat = "ppc-kvm-vmm snapshot 2";
constexpr size_t kMaxCpus = 64;
constexpr size_t kMaxDevices = 64, kMaxQueues = 64, kMaxNameLength = 32;

std::string to_hex(const void* data, size_t size) { return hex_bytes({static_cast<const uint8_t*>(data), size}); }

std::vector<uint8_t> from_hex(const json& value, const std::string& field) {
  std::optional<std::vector<uint8_t>> bytes;
  if (value.is_string()) bytes = bytes_from_hex(value.get_ref<const std::string&>());
  if (!bytes) throw Error(field + ": not a hex string");
  return std::move(*bytes);
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

// An unsigned number no larger than T holds.
template <typename T>
T bounded(const json& object, const char* key, const std::string& field) {
  const uint64_t value = number(object, key, field);
  if (value > std::numeric_limits<T>::max()) throw Error(field + "." + key + ": " + std::to_string(value) + " is too large");
  return static_cast<T>(value);
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

json encode_queue(const QueueState& q) {
  return {{"size", q.size},
          {"desc", q.desc},
          {"avail", q.avail},
          {"used", q.used},
          {"ready", q.ready},
          {"next_avail", q.next_avail},
          {"next_used", q.next_used},
          {"published_used", q.published_used},
          {"event_idx", q.event_idx},
          {"signalled_used", q.signalled_used},
          {"signalled_valid", q.signalled_valid}};
}

QueueState decode_queue(const json& value, const std::string& field) {
  QueueState q;
  q.size = bounded<uint16_t>(value, "size", field);
  q.desc = number(value, "desc", field);
  q.avail = number(value, "avail", field);
  q.used = number(value, "used", field);
  q.ready = boolean(value, "ready", field);
  q.next_avail = bounded<uint16_t>(value, "next_avail", field);
  q.next_used = bounded<uint16_t>(value, "next_used", field);
  q.published_used = bounded<uint16_t>(value, "published_used", field);
  q.event_idx = boolean(value, "event_idx", field);
  q.signalled_used = bounded<uint16_t>(value, "signalled_used", field);
  q.signalled_valid = boolean(value, "signalled_valid", field);
  return q;
}

json encode_device(const DeviceState& d) {
  const TransportState& t = d.transport;
  json queues = json::array();
  for (const QueueState& q : t.queues) queues.push_back(encode_queue(q));
  return {{"name", d.name},
          {"device_id", d.device_id},
          {"used_buffers_source", d.used_buffers_source},
          {"config_source", d.config_source},
          {"status", t.status},
          {"device_features_sel", t.device_features_sel},
          {"driver_features_sel", t.driver_features_sel},
          {"queue_sel", t.queue_sel},
          {"driver_features", t.driver_features},
          {"config_generation", t.config_generation},
          {"interrupt_status", t.interrupt_status},
          {"active", t.active},
          {"queues", std::move(queues)}};
}

DeviceState decode_device(const json& value, const std::string& field) {
  DeviceState d;
  const json& name = member(value, "name", field);
  const auto plain = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; };
  if (!name.is_string() || name.get_ref<const std::string&>().size() > kMaxNameLength ||
      !std::all_of(name.get_ref<const std::string&>().begin(), name.get_ref<const std::string&>().end(), plain)) {
    throw Error(field + ".name: not a name of at most " + std::to_string(kMaxNameLength) +
                " letters, digits, '-' or '_'");
  }
  d.name = name.get<std::string>();
  d.device_id = bounded<uint32_t>(value, "device_id", field);
  d.used_buffers_source = number(value, "used_buffers_source", field);
  d.config_source = number(value, "config_source", field);
  TransportState& t = d.transport;
  t.status = bounded<uint32_t>(value, "status", field);
  t.device_features_sel = bounded<uint32_t>(value, "device_features_sel", field);
  t.driver_features_sel = bounded<uint32_t>(value, "driver_features_sel", field);
  t.queue_sel = bounded<uint32_t>(value, "queue_sel", field);
  t.driver_features = number(value, "driver_features", field);
  t.config_generation = bounded<uint32_t>(value, "config_generation", field);
  t.interrupt_status = bounded<uint32_t>(value, "interrupt_status", field);
  t.active = boolean(value, "active", field);
  const json& queues = member(value, "queues", field);
  if (!queues.is_array() || queues.size() > kMaxQueues) {
    throw Error(field + ".queues: not an array of at most " + std::to_string(kMaxQueues) + " queues");
  }
  for (size_t i = 0; i < queues.size(); ++i) t.queues.push_back(decode_queue(queues[i], field + ".queues[" + std::to_string(i) + "]"));
  return d;
}

}  // namespace

std::string encode_snapshot(const MachineSnapshot& snapshot) {
  json cpus = json::array();
  for (const VcpuState& cpu : snapshot.cpus) cpus.push_back(encode_cpu(cpu));
  json devices = json::array();
  for (const DeviceState& device : snapshot.devices) devices.push_back(encode_device(device));
  json out = {{"format", kFormat},
              {"memory", snapshot.memory},
              {"radix", snapshot.radix},
              {"lpcr_mask", snapshot.lpcr_mask},
              {"lpcr_value", snapshot.lpcr_value},
              {"host_timebase", snapshot.host_timebase},
              {"cpus", std::move(cpus)},
              {"devices", std::move(devices)}};
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
  const json& devices = member(in, "devices", where);
  if (!devices.is_array() || devices.size() > kMaxDevices) {
    throw Error(where + ".devices: not an array of at most " + std::to_string(kMaxDevices) + " devices");
  }
  for (size_t i = 0; i < devices.size(); ++i) {
    snapshot.devices.push_back(decode_device(devices[i], where + ".devices[" + std::to_string(i) + "]"));
  }
  return snapshot;
}

uint64_t continued_tb_offset(const MachineSnapshot& snapshot, uint64_t saved_offset, uint64_t host_timebase_now) {
  // Modular arithmetic: the offset may be "negative" (a guest clock behind the host's).
  return snapshot.host_timebase + saved_offset - host_timebase_now;
}

}  // namespace ppc::vmm
