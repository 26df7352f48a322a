#include "state/state_views.h"

#include <fstream>

namespace ppc::shim {

nlohmann::ordered_json runc_state_json(const ContainerState& s, Status status, const std::string& owner) {
  nlohmann::ordered_json j;
  j["ociVersion"] = s.oci_version;
  j["id"] = s.id;
  j["pid"] = status == Status::kStopped ? 0 : s.pid;
  j["status"] = status_name(status);
  j["bundle"] = s.bundle;
  j["rootfs"] = s.rootfs;
  j["created"] = s.created;
  if (!s.annotations.empty()) j["annotations"] = s.annotations;
  j["owner"] = owner;
  return j;
}

nlohmann::ordered_json hook_state_json(const ContainerState& s, Status status) {
  nlohmann::ordered_json j;
  j["ociVersion"] = s.oci_version;
  j["id"] = s.id;
  j["status"] = status_name(status);
  if (status != Status::kStopped && s.pid > 0) j["pid"] = s.pid;
  j["bundle"] = s.bundle;
  if (!s.annotations.empty()) j["annotations"] = s.annotations;
  return j;
}

std::string owner_name(uid_t uid, const std::string& passwd_file) {
  std::ifstream in(passwd_file);
  std::string line;
  while (std::getline(in, line)) {
    // name:password:uid:...
    const size_t a = line.find(':');
    const size_t b = a == std::string::npos ? a : line.find(':', a + 1);
    const size_t c = b == std::string::npos ? b : line.find(':', b + 1);
    if (c == std::string::npos) continue;
    if (line.substr(b + 1, c - b - 1) == std::to_string(uid)) return line.substr(0, a);
  }
  return "#" + std::to_string(uid);
}

}  // namespace ppc::shim
