#include "net/network_plan.h"

#include <sys/stat.h>

#include "base/error.h"
#include "net/netns_processes.h"
#include "netconf/netns.h"

namespace ppc::shim {

NetworkPlan plan_network(const oci::Config& config) {
  const auto& namespaces = config.linux.namespaces;
  size_t network = namespaces.size();
  bool user = false;
  for (size_t i = 0; i < namespaces.size(); ++i) {
    if (namespaces[i].type == "network") network = i;
    if (namespaces[i].type == "user") user = true;
  }
  if (network == namespaces.size()) {
    throw Error("linux.namespaces: no network namespace, so the container would share the host's network "
                "(podman --network=host, ctr --net-host); a container in a VM has its guest's network and cannot: "
                "give it a network namespace");
  }
  const std::string& path = namespaces[network].path;
  if (path.empty() && user) {
    throw Error("linux.namespaces[" + std::to_string(network) +
                "]: a network namespace without a path beside a user namespace: its engine (podman --userns, "
                "rootless podman) would set that network up after create, from the user namespace, where the "
                "VM cannot follow; give the network namespace a path or run without a user namespace");
  }
  return NetworkPlan{path.empty(), path};
}

void check_joinable(const NetworkPlan& plan) {
  if (plan.own) return;
  const UniqueFd netns = with_context("linux.namespaces", [&] { return netconf::open_netns(plan.path); });
  struct stat theirs {}, mine {};
  if (::fstat(netns.get(), &theirs) != 0) throw_errno("linux.namespaces: network namespace " + plan.path);
  if (::stat("/proc/self/ns/net", &mine) != 0) throw_errno("/proc/self/ns/net");
  if (theirs.st_ino == mine.st_ino && theirs.st_dev == mine.st_dev) {
    throw Error("linux.namespaces: network namespace " + plan.path +
                " is the host's own (the host's network), which a container in a VM cannot share");
  }
  if (const auto other = process_in_netns(theirs)) {
    throw Error("linux.namespaces: network namespace " + plan.path + " already has a process in it (pid " +
                std::to_string(other->pid) + ", " + other->command +
                ") and no container of ppc-kvm-shim is: another runtime's container, such as a pod's infra or "
                "sandbox container or podman --network container:NAME. A container of ppc-kvm-shim joins a "
                "namespace only as a member of a pod whose VM is ppc-kvm-shim's: in another runtime's it could not "
                "share the namespace's localhost, and its VM would take the namespace's incoming traffic away");
  }
}

}  // namespace ppc::shim
