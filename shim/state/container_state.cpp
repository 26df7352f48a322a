#include "state/container_state.h"

#include "base/error.h"
#include "state/process_info.h"

namespace ppc::shim {

std::string_view status_name(Status status) {
  switch (status) {
    case Status::kCreating: return "creating";
    case Status::kCreated: return "created";
    case Status::kRunning: return "running";
    case Status::kPaused: return "paused";
    case Status::kStopped: return "stopped";
  }
  return "unknown";
}

std::optional<Status> parse_status(std::string_view name) {
  for (Status s : {Status::kCreating, Status::kCreated, Status::kRunning, Status::kPaused, Status::kStopped}) {
    if (status_name(s) == name) return s;
  }
  return std::nullopt;
}

nlohmann::json to_json(const ContainerState& s) {
  return {{"ociVersion", s.oci_version}, {"id", s.id},
          {"pid", s.pid},                {"pidStartTime", s.pid_start_time},
          {"status", status_name(s.status)}, {"bundle", s.bundle},
          {"rootfs", s.rootfs},          {"created", s.created},
          {"annotations", s.annotations}, {"vm", {{"memoryMiB", s.memory_mib}, {"vcpus", s.vcpus}, {"sandbox", s.sandbox_id}}}};
}

ContainerState state_from_json(const nlohmann::json& j) {
  ContainerState s;
  try {
    s.oci_version = j.at("ociVersion").get<std::string>();
    s.id = j.at("id").get<std::string>();
    s.pid = j.at("pid").get<pid_t>();
    s.pid_start_time = j.at("pidStartTime").get<uint64_t>();
    const auto status = parse_status(j.at("status").get<std::string>());
    if (!status) throw Error("unknown status " + j.at("status").dump());
    s.status = *status;
    s.bundle = j.at("bundle").get<std::string>();
    s.rootfs = j.at("rootfs").get<std::string>();
    s.created = j.at("created").get<std::string>();
    s.annotations = j.at("annotations").get<std::map<std::string, std::string>>();
    s.memory_mib = j.at("vm").at("memoryMiB").get<uint64_t>();
    s.vcpus = j.at("vm").at("vcpus").get<unsigned>();
    s.sandbox_id = j.at("vm").value("sandbox", std::string());
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("state.json: ") + e.what());
  }
  return s;
}

Status current_status(const ContainerState& state) {
  if (state.status == Status::kStopped || !process_running(state.pid, state.pid_start_time)) return Status::kStopped;
  return state.status;
}

}  // namespace ppc::shim
