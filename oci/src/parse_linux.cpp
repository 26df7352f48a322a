// linux: namespaces, id mappings, devices, resources, sysctl, seccomp and path lists.
#include <algorithm>
#include <array>
#include <string>

#include "parsers.h"

namespace ppc::oci::detail {

namespace {

constexpr std::array<std::string_view, 8> kNamespaceTypes = {
    "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time",
};

constexpr std::array<std::string_view, 8> kPropagations = {
    "private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable", "runbindable",
};

constexpr std::array<std::string_view, 4> kDeviceTypes = {"c", "b", "u", "p"};

template <size_t N>
bool contains(const std::array<std::string_view, N>& table, std::string_view word) {
  return std::find(table.begin(), table.end(), word) != table.end();
}

std::vector<Namespace> parse_namespaces(const Field& f) {
  std::vector<Namespace> out;
  for (const Field& element : f.elements()) {
    Namespace ns;
    const Field type = element.required("type");
    ns.type = type.string();
    if (!contains(kNamespaceTypes, ns.type)) {
      type.fail("unknown namespace type " + Field::describe(type.json()) +
                " (known: pid network mount ipc uts user cgroup time)");
    }
    // A namespace can only be created or joined once.
    const auto same_type = [&](const Namespace& seen) { return seen.type == ns.type; };
    if (std::any_of(out.begin(), out.end(), same_type)) type.fail("duplicate namespace " + Field::describe(type.json()));
    if_present(element, "path", [&](const Field& v) {
      // Empty means "create a new one"; anything else names the namespace file to join.
      ns.path = v.string().empty() ? std::string() : v.absolute_path();
    });
    out.push_back(std::move(ns));
  }
  return out;
}

std::vector<IdMapping> parse_id_mappings(const Field& f) {
  std::vector<IdMapping> out;
  for (const Field& element : f.elements()) {
    out.push_back(IdMapping{.container_id = element.required("containerID").u32(),
                            .host_id = element.required("hostID").u32(),
                            .size = element.required("size").u32()});
  }
  return out;
}

std::vector<Device> parse_devices(const Field& f) {
  std::vector<Device> out;
  for (const Field& element : f.elements()) {
    Device device;
    device.path = element.required("path").absolute_path();
    const Field type = element.required("type");
    device.type = type.string();
    if (!contains(kDeviceTypes, device.type)) {
      type.fail("unknown device type " + Field::describe(type.json()) + " (known: c b u p)");
    }
    if_present(element, "major", [&](const Field& v) { device.major = v.i64(); });
    if_present(element, "minor", [&](const Field& v) { device.minor = v.i64(); });
    if_present(element, "fileMode", [&](const Field& v) { device.file_mode = v.u32(); });
    if_present(element, "uid", [&](const Field& v) { device.uid = v.u32(); });
    if_present(element, "gid", [&](const Field& v) { device.gid = v.u32(); });
    out.push_back(std::move(device));
  }
  return out;
}

Resources parse_resources(const Field& f) {
  f.expect_object();
  Resources r;
  if_present(f, "memory", [&](const Field& memory) {
    if_present(memory, "limit", [&](const Field& v) { r.memory.limit = v.i64(); });
    if_present(memory, "reservation", [&](const Field& v) { r.memory.reservation = v.i64(); });
    if_present(memory, "swap", [&](const Field& v) { r.memory.swap = v.i64(); });
  });
  if_present(f, "cpu", [&](const Field& cpu) {
    if_present(cpu, "shares", [&](const Field& v) { r.cpu.shares = v.u64(); });
    if_present(cpu, "quota", [&](const Field& v) { r.cpu.quota = v.i64(); });
    if_present(cpu, "period", [&](const Field& v) { r.cpu.period = v.u64(); });
    if_present(cpu, "cpus", [&](const Field& v) { r.cpu.cpus = v.string(); });
    if_present(cpu, "mems", [&](const Field& v) { r.cpu.mems = v.string(); });
  });
  if_present(f, "pids", [&](const Field& pids) {
    if_present(pids, "limit", [&](const Field& v) { r.pids_limit = v.i64(); });
  });
  return r;
}

std::vector<std::string> parse_absolute_paths(const Field& f) {
  std::vector<std::string> out;
  for (const Field& element : f.elements()) out.push_back(element.absolute_path());
  return out;
}

}  // namespace

Linux parse_linux_object(const Field& f) {
  f.expect_object();
  Linux l;
  if_present(f, "namespaces", [&](const Field& v) { l.namespaces = parse_namespaces(v); });
  if_present(f, "uidMappings", [&](const Field& v) { l.uid_mappings = parse_id_mappings(v); });
  if_present(f, "gidMappings", [&](const Field& v) { l.gid_mappings = parse_id_mappings(v); });
  if_present(f, "devices", [&](const Field& v) { l.devices = parse_devices(v); });
  if_present(f, "resources", [&](const Field& v) { l.resources = parse_resources(v); });
  if_present(f, "cgroupsPath", [&](const Field& v) { l.cgroups_path = v.string(); });
  if_present(f, "sysctl", [&](const Field& v) {
    for (const auto& [key, value] : v.members()) l.sysctl[key] = value.string();
  });
  if_present(f, "seccomp", [&](const Field& v) { l.seccomp = parse_seccomp_object(v); });
  if_present(f, "maskedPaths", [&](const Field& v) { l.masked_paths = parse_absolute_paths(v); });
  if_present(f, "readonlyPaths", [&](const Field& v) { l.readonly_paths = parse_absolute_paths(v); });
  if_present(f, "rootfsPropagation", [&](const Field& v) {
    l.rootfs_propagation = v.string();
    if (!l.rootfs_propagation.empty() && !contains(kPropagations, l.rootfs_propagation)) {
      v.fail("unknown propagation " + Field::describe(v.json()) +
             " (known: private rprivate slave rslave shared rshared unbindable runbindable)");
    }
  });
  if_present(f, "mountLabel", [&](const Field& v) { l.mount_label = v.string(); });
  return l;
}

}  // namespace ppc::oci::detail
