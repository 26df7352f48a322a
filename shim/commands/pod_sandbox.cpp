#include "commands/pod_sandbox.h"

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/read_file.h"
#include "netconf/netns.h"
#include "state/atomic_file.h"

namespace ppc::shim {
namespace {

// A container's state as its state.json says, or none (being created, deleted, unreadable).
std::optional<ContainerState> peek_state(const StateStore& store, const std::string& id) {
  try {
    return state_from_json(nlohmann::json::parse(read_file(store.dir_of(id) + "/state.json")));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

bool same_netns(pid_t pid, const struct stat& netns) {
  struct stat theirs {};
  const std::string path = "/proc/" + std::to_string(pid) + "/ns/net";
  return ::stat(path.c_str(), &theirs) == 0 && theirs.st_ino == netns.st_ino && theirs.st_dev == netns.st_dev;
}

struct stat netns_of(const NetworkPlan& network) {
  const UniqueFd fd = with_context("linux.namespaces", [&] { return netconf::open_netns(network.path); });
  struct stat netns {};
  if (::fstat(fd.get(), &netns) != 0) throw_errno("linux.namespaces: network namespace " + network.path);
  return netns;
}

}  // namespace

bool runs_in_namespace(const ContainerState& state, const NetworkPlan& network) {
  return !network.own && current_status(state) != Status::kStopped && same_netns(state.pid, netns_of(network));
}

std::optional<std::string> find_pod_sandbox(const NetworkPlan& network, const StateStore& store) {
  if (network.own) return std::nullopt;
  const struct stat netns = netns_of(network);
  for (const std::string& id : store.ids()) {
    const std::optional<ContainerState> state = peek_state(store, id);
    if (!state || !state->sandbox_id.empty() || current_status(*state) == Status::kStopped) continue;
    if (same_netns(state->pid, netns)) return id;
  }
  return std::nullopt;
}

std::vector<std::string> pod_members(const StateStore& store, const std::string& sandbox_id) {
  std::vector<std::string> members;
  for (const std::string& id : store.ids()) {
    const std::optional<ContainerState> state = peek_state(store, id);
    if (state && state->sandbox_id == sandbox_id) members.push_back(id);
  }
  return members;
}

bool pod_vm_paused(const StateStore& store, const std::string& sandbox_id) {
  const std::optional<ContainerState> state = peek_state(store, sandbox_id);
  return state && current_status(*state) == Status::kPaused;
}

}  // namespace ppc::shim
