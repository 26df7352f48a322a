#include "net/host_network.h"

#include <cstdio>

#include "base/error.h"
#include "netconf/addresses.h"
#include "netconf/routes.h"
#include "netconf/tap.h"
#include "netconf/tc_redirect.h"
#include "protocol/limits.h"

namespace ppc::shim {
namespace {

using netconf::Link;

void require_no_ingress(netconf::Netlink& nl, const Link& link) {
  if (netconf::has_ingress_qdisc(nl, link.index)) {
    throw Error("interface " + link.name + " has an ingress qdisc already (another program's filters, or another "
                "VM's: a pod's containers share their sandbox's VM, never a namespace with another VM)");
  }
}

}  // namespace

std::vector<Link> container_interfaces(netconf::Netlink& nl) {
  std::vector<Link> interfaces;
  std::string names;
  for (const Link& link : netconf::list_links(nl)) {
    if (!link.carries_container_traffic()) continue;
    interfaces.push_back(link);
    names += (names.empty() ? "" : ", ") + link.name;
  }
  if (interfaces.size() > protocol::kMaxNetInterfaces) {
    throw Error("the network namespace has " + std::to_string(interfaces.size()) + " interfaces (" + names +
                "); a VM takes at most " + std::to_string(protocol::kMaxNetInterfaces));
  }
  return interfaces;
}

protocol::NetInterface describe_interface(netconf::Netlink& nl, const Link& interface) {
  protocol::NetInterface described;
  described.name = interface.name;
  described.mac = interface.mac;
  described.mtu = interface.mtu;
  described.addresses = netconf::list_addresses(nl, interface.index);
  described.routes = netconf::list_routes(nl, interface.index);
  return described;
}

void make_tap(netconf::Netlink& nl, const NetnsId& netns, const std::string& tap, const RecordMade& record) {
  if (netconf::find_link(nl, tap)) {
    throw Error("interface " + tap + " exists already in the network namespace (another VM's tap: a pod's "
                "containers share their sandbox's VM, never a namespace with another VM)");
  }
  record(MadeTap{netns, tap});
  netconf::create_persistent_tap(tap);
}

void connect_tap(netconf::Netlink& nl, const NetnsId& netns, const Link& interface, const std::string& tap,
                 const RecordMade& record) {
  const Link tap_link = netconf::link_named(nl, tap);
  require_no_ingress(nl, interface);
  require_no_ingress(nl, tap_link);
  netconf::change_link(nl, tap_link, netconf::LinkChange{.mtu = interface.mtu, .up = true});
  record(MadeIngress{netns, interface.name});
  netconf::redirect_ingress(nl, interface, tap_link);
  record(MadeIngress{netns, tap});
  netconf::redirect_ingress(nl, tap_link, interface);
}

std::string net_flag(const std::string& tap, const std::string& mac, unsigned mtu) {
  std::string flag = "tap=" + tap + ",mac=" + mac;
  if (mtu != 0) flag += ",mtu=" + std::to_string(mtu);
  return flag;
}

std::string placeholder_mac(const std::string& container_id, size_t index) {
  // FNV-1a: stable across runs and builds, unlike std::hash.
  uint64_t hash = 14695981039346656037ull;
  for (const char c : container_id + "/" + std::to_string(index)) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  }
  char mac[18];
  std::snprintf(mac, sizeof mac, "02:%02x:%02x:%02x:%02x:%02x", static_cast<unsigned>(hash >> 32 & 0xff),
                static_cast<unsigned>(hash >> 24 & 0xff), static_cast<unsigned>(hash >> 16 & 0xff),
                static_cast<unsigned>(hash >> 8 & 0xff), static_cast<unsigned>(hash & 0xff));
  return mac;
}

}  // namespace ppc::shim
