#include "commands/container_network.h"

#include "cli/usage_error.h"
#include "commands/agent_call.h"
#include "commands/ledger.h"
#include "log/logger.h"
#include "net/host_network.h"
#include "netconf/netns.h"
#include "protocol/codec.h"

namespace ppc::shim {
namespace {

constexpr const char* kOwnNetns = "netns";
constexpr auto kNetworkTimeout = std::chrono::seconds(60);

RecordMade recorder(UndoStack& undo) {
  return [&undo](const MadeNetThing& thing) { std::visit([&](const auto& t) { undo.push(t); }, thing); };
}

// The request checked as the agent will check it, before anything is made for it.
void check_request(const protocol::Network& request, const std::string& netns) {
  with_context("network namespace " + netns, [&] { protocol::encode(request); });
}

// The engine's interfaces, each joined to a tap of its own, in one pass inside the namespace.
void connect_engine_interfaces(ContainerNetwork& network, UndoStack& undo) {
  const NetnsId& id = network.record.netns;
  netconf::run_in_netns(network.netns.get(), [&] {
    netconf::Netlink nl;
    const std::vector<netconf::Link> interfaces = container_interfaces(nl);
    if (interfaces.empty()) return;
    protocol::Network request;
    for (const netconf::Link& interface : interfaces) request.interfaces.push_back(describe_interface(nl, interface));
    check_request(request, id.path);
    for (size_t i = 0; i < interfaces.size(); ++i) {
      with_context("network namespace " + id.path, [&] {
        make_tap(nl, id, tap_name(i), recorder(undo));
        connect_tap(nl, id, interfaces[i], tap_name(i), recorder(undo));
      });
      network.record.nics.push_back({tap_name(i), interfaces[i].mac, interfaces[i].mtu});
    }
    network.request = std::move(request);
  });
}

// One tap for a NIC whose interface is still to come.
void make_late_tap(ContainerNetwork& network, const std::string& id, UndoStack& undo) {
  netconf::run_in_netns(network.netns.get(), [&] {
    netconf::Netlink nl;
    with_context("network namespace " + network.record.netns.path,
                 [&] { make_tap(nl, network.record.netns, tap_name(0), recorder(undo)); });
  });
  network.record.nics.push_back({tap_name(0), placeholder_mac(id, 0), 0});
}

}  // namespace

std::vector<std::string> ContainerNetwork::vmm_nics() const {
  std::vector<std::string> flags;
  for (const GuestNic& nic : record.nics) flags.push_back(net_flag(nic.tap, nic.mac, nic.mtu));
  return flags;
}

ContainerNetwork make_network(const NetworkPlan& plan, const LockedContainer& container, UndoStack& undo) {
  ContainerNetwork network;
  network.record.late = plan.own;
  network.record.netns.path = plan.own ? container.file(kOwnNetns) : plan.path;
  if (plan.own) {
    undo.push(MadeNetns{network.record.netns.path});
    netconf::create_netns(network.record.netns.path);
  }
  network.netns = netconf::open_netns(network.record.netns.path);
  network.record.netns.inode = netns_inode(network.netns.get());
  if (plan.own) make_late_tap(network, container.id(), undo);
  else connect_engine_interfaces(network, undo);
  write_network_record(container.dir(), network.record);
  return network;
}

void send_network(const LockedContainer& container, const protocol::Network& request) {
  const AgentOutcome outcome = call_agent(container.vsock_socket(), request, kNetworkTimeout);
  switch (outcome.kind) {
    case AgentOutcome::Kind::kOk: return;
    case AgentOutcome::Kind::kRefused:
      throw StatusError("the agent could not configure the container's network: " + outcome.message, outcome.exit_status);
    case AgentOutcome::Kind::kUnreachable: throw Error("cannot reach the container's agent: " + outcome.message);
  }
}

std::optional<protocol::Network> connect_late_interfaces(const LockedContainer& container, UndoStack& undo) {
  const std::optional<NetworkRecord> record = read_network_record(container.dir());
  if (!record || !record->late) return std::nullopt;
  const UniqueFd netns = netconf::open_netns(record->netns.path);
  protocol::Network request;
  netconf::run_in_netns(netns.get(), [&] {
    netconf::Netlink nl;
    const std::vector<netconf::Link> interfaces = container_interfaces(nl);
    if (interfaces.size() > record->nics.size()) {
      throw Error("network namespace " + record->netns.path + ": " + std::to_string(interfaces.size()) +
                  " interfaces appeared after create, and the VM was booted with " +
                  std::to_string(record->nics.size()) + " NIC(s) for them");
    }
    for (const netconf::Link& interface : interfaces) request.interfaces.push_back(describe_interface(nl, interface));
    if (interfaces.empty()) return;
    check_request(request, record->netns.path);
    for (size_t i = 0; i < interfaces.size(); ++i) {
      with_context("network namespace " + record->netns.path,
                   [&] { connect_tap(nl, record->netns, interfaces[i], record->nics[i].tap, recorder(undo)); });
    }
  });
  if (request.interfaces.empty()) {
    logger().debug("no interface in network namespace " + record->netns.path + ": the container has its loopback only");
    return std::nullopt;
  }
  return request;
}

void connect_late_network(const LockedContainer& container) {
  UndoStack undo;
  undo.record_in(Ledger(container.dir()));
  if (const std::optional<protocol::Network> request = connect_late_interfaces(container, undo)) {
    send_network(container, *request);
  }
  undo.keep();
}

}  // namespace ppc::shim
