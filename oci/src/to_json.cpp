// oci:: values back to spec JSON. Defaults are left out, so a round trip through
// parse_config/parse_process gives back the same value.
#include "oci/to_json.h"

namespace ppc::oci {

namespace {

using nlohmann::json;

void put_string(json& j, const char* key, const std::string& value) {
  if (!value.empty()) j[key] = value;
}

template <typename T>
void put_list(json& j, const char* key, const std::vector<T>& values) {
  if (!values.empty()) j[key] = values;
}

template <typename T>
void put_optional(json& j, const char* key, const std::optional<T>& value) {
  if (value) j[key] = *value;
}

template <typename T>
json array_of(const std::vector<T>& values) {
  json out = json::array();
  for (const T& v : values) out.push_back(to_json(v));
  return out;
}

json to_json_namespace(const Namespace& ns) {
  json j = {{"type", ns.type}};
  put_string(j, "path", ns.path);
  return j;
}

json to_json_id_mapping(const IdMapping& m) {
  return {{"containerID", m.container_id}, {"hostID", m.host_id}, {"size", m.size}};
}

json to_json_device(const Device& d) {
  json j = {{"path", d.path}, {"type", d.type}, {"major", d.major}, {"minor", d.minor}};
  put_optional(j, "fileMode", d.file_mode);
  put_optional(j, "uid", d.uid);
  put_optional(j, "gid", d.gid);
  return j;
}

json to_json_resources(const Resources& r) {
  json j = json::object();
  json memory = json::object();
  put_optional(memory, "limit", r.memory.limit);
  put_optional(memory, "reservation", r.memory.reservation);
  put_optional(memory, "swap", r.memory.swap);
  if (!memory.empty()) j["memory"] = std::move(memory);
  json cpu = json::object();
  put_optional(cpu, "shares", r.cpu.shares);
  put_optional(cpu, "quota", r.cpu.quota);
  put_optional(cpu, "period", r.cpu.period);
  put_string(cpu, "cpus", r.cpu.cpus);
  put_string(cpu, "mems", r.cpu.mems);
  if (!cpu.empty()) j["cpu"] = std::move(cpu);
  if (r.pids_limit) j["pids"] = {{"limit", *r.pids_limit}};
  return j;
}

json to_json_syscall(const SeccompSyscall& s) {
  json j = {{"names", s.names}, {"action", s.action}};
  put_optional(j, "errnoRet", s.errno_ret);
  if (!s.args.empty()) {
    json args = json::array();
    for (const SeccompArg& a : s.args) {
      json arg = {{"index", a.index}, {"value", a.value}, {"op", a.op}};
      if (a.value_two != 0) arg["valueTwo"] = a.value_two;
      args.push_back(std::move(arg));
    }
    j["args"] = std::move(args);
  }
  return j;
}

}  // namespace

json to_json(const User& u) {
  json j = {{"uid", u.uid}, {"gid", u.gid}};
  put_optional(j, "umask", u.umask);
  put_list(j, "additionalGids", u.additional_gids);
  put_string(j, "username", u.username);
  return j;
}

json to_json(const ConsoleSize& s) { return {{"height", s.height}, {"width", s.width}}; }

json to_json(const Rlimit& r) { return {{"type", r.type}, {"soft", r.soft}, {"hard", r.hard}}; }

json to_json(const Capabilities& c) {
  json j = json::object();
  put_list(j, "bounding", c.bounding);
  put_list(j, "effective", c.effective);
  put_list(j, "inheritable", c.inheritable);
  put_list(j, "permitted", c.permitted);
  put_list(j, "ambient", c.ambient);
  return j;
}

json to_json(const Process& p) {
  json j = {{"user", to_json(p.user)}, {"args", p.args}, {"cwd", p.cwd}};
  if (p.terminal) j["terminal"] = true;
  if (p.console_size) j["consoleSize"] = to_json(*p.console_size);
  put_list(j, "env", p.env);
  if (p.capabilities) j["capabilities"] = to_json(*p.capabilities);
  if (!p.rlimits.empty()) j["rlimits"] = array_of(p.rlimits);
  if (p.no_new_privileges) j["noNewPrivileges"] = true;
  put_optional(j, "oomScoreAdj", p.oom_score_adj);
  put_string(j, "apparmorProfile", p.apparmor_profile);
  put_string(j, "selinuxLabel", p.selinux_label);
  return j;
}

json to_json(const Mount& m) {
  json j = {{"destination", m.destination}};
  put_string(j, "type", m.type);
  put_string(j, "source", m.source);
  put_list(j, "options", m.options);
  return j;
}

json to_json(const Hook& h) {
  json j = {{"path", h.path}};
  put_list(j, "args", h.args);
  put_list(j, "env", h.env);
  put_optional(j, "timeout", h.timeout);
  return j;
}

json to_json(const Hooks& h) {
  json j = json::object();
  if (!h.prestart.empty()) j["prestart"] = array_of(h.prestart);
  if (!h.create_runtime.empty()) j["createRuntime"] = array_of(h.create_runtime);
  if (!h.create_container.empty()) j["createContainer"] = array_of(h.create_container);
  if (!h.start_container.empty()) j["startContainer"] = array_of(h.start_container);
  if (!h.poststart.empty()) j["poststart"] = array_of(h.poststart);
  if (!h.poststop.empty()) j["poststop"] = array_of(h.poststop);
  return j;
}

json to_json(const Seccomp& s) {
  json j = {{"defaultAction", s.default_action}};
  put_optional(j, "defaultErrnoRet", s.default_errno_ret);
  put_list(j, "architectures", s.architectures);
  put_list(j, "flags", s.flags);
  put_string(j, "listenerPath", s.listener_path);
  if (!s.syscalls.empty()) {
    json syscalls = json::array();
    for (const SeccompSyscall& call : s.syscalls) syscalls.push_back(to_json_syscall(call));
    j["syscalls"] = std::move(syscalls);
  }
  return j;
}

json to_json(const Linux& l) {
  json j = json::object();
  if (!l.namespaces.empty()) {
    json namespaces = json::array();
    for (const Namespace& ns : l.namespaces) namespaces.push_back(to_json_namespace(ns));
    j["namespaces"] = std::move(namespaces);
  }
  const auto mappings = [](const std::vector<IdMapping>& list) {
    json out = json::array();
    for (const IdMapping& m : list) out.push_back(to_json_id_mapping(m));
    return out;
  };
  if (!l.uid_mappings.empty()) j["uidMappings"] = mappings(l.uid_mappings);
  if (!l.gid_mappings.empty()) j["gidMappings"] = mappings(l.gid_mappings);
  if (!l.devices.empty()) {
    json devices = json::array();
    for (const Device& d : l.devices) devices.push_back(to_json_device(d));
    j["devices"] = std::move(devices);
  }
  json resources = to_json_resources(l.resources);
  if (!resources.empty()) j["resources"] = std::move(resources);
  put_string(j, "cgroupsPath", l.cgroups_path);
  if (!l.sysctl.empty()) j["sysctl"] = l.sysctl;
  if (l.seccomp) j["seccomp"] = to_json(*l.seccomp);
  put_list(j, "maskedPaths", l.masked_paths);
  put_list(j, "readonlyPaths", l.readonly_paths);
  put_string(j, "rootfsPropagation", l.rootfs_propagation);
  put_string(j, "mountLabel", l.mount_label);
  return j;
}

json to_json(const Config& c) {
  json j = {{"ociVersion", c.oci_version}, {"root", {{"path", c.root.path}}}};
  if (c.root.readonly) j["root"]["readonly"] = true;
  if (c.process) j["process"] = to_json(*c.process);
  put_string(j, "hostname", c.hostname);
  put_string(j, "domainname", c.domainname);
  if (!c.mounts.empty()) j["mounts"] = array_of(c.mounts);
  json hooks = to_json(c.hooks);
  if (!hooks.empty()) j["hooks"] = std::move(hooks);
  if (!c.annotations.empty()) j["annotations"] = c.annotations;
  json linux_section = to_json(c.linux);
  if (!linux_section.empty()) j["linux"] = std::move(linux_section);
  return j;
}

}  // namespace ppc::oci
