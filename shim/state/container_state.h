#pragma once
// What <root>/<id>/state.json records about one container. The runtime-spec fields come
// first; the rest is this runtime's own (the VMM's identity, the VM's size, the pod's sandbox).
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ppc::shim {

enum class Status { kCreating, kCreated, kRunning, kPaused, kStopped };

std::string_view status_name(Status status);
std::optional<Status> parse_status(std::string_view name);

struct ContainerState {
  std::string oci_version;
  std::string id;
  pid_t pid = 0;                 // the VMM, or a pod member's process (the pid in --pid-file)
  uint64_t pid_start_time = 0;   // /proc/PID/stat start time: a reused pid is not ours
  Status status = Status::kCreated;  // as last recorded; current_status() decides
  std::string bundle;            // absolute
  std::string rootfs;            // absolute, on the host
  std::string created;           // RFC 3339, UTC, nanoseconds
  std::map<std::string, std::string> annotations;
  uint64_t memory_mib = 0;       // the guest's RAM
  unsigned vcpus = 0;
  // A pod's later container: the container whose VM it runs in. Empty: its VM is its own.
  std::string sandbox_id;
  friend bool operator==(const ContainerState&, const ContainerState&) = default;
};

nlohmann::json to_json(const ContainerState& state);
// Throws Error naming the field.
ContainerState state_from_json(const nlohmann::json& j);

// The recorded status, except "stopped" once the VMM is gone, a zombie, or its pid was reused.
Status current_status(const ContainerState& state);

}  // namespace ppc::shim
