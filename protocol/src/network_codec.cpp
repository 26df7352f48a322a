#include "network_codec.h"

#include <array>
#include <string>
#include <string_view>

#include "protocol/limits.h"

namespace ppc::protocol::detail {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 2> kFamilies = {"ipv4", "ipv6"};
constexpr std::array<std::string_view, 2> kScopes = {"universe", "link"};

json address_json(const NetAddress& a) {
  return {{"family", kFamilies.at(static_cast<size_t>(a.family))}, {"address", a.address}, {"prefix_len", a.prefix_len}};
}

json route_json(const NetRoute& r) {
  return {{"family", kFamilies.at(static_cast<size_t>(r.family))},
          {"destination", r.destination},
          {"prefix_len", r.prefix_len},
          {"gateway", r.gateway},
          {"scope", kScopes.at(static_cast<size_t>(r.scope))},
          {"metric", r.metric}};
}

json interface_json(const NetInterface& i) {
  json addresses = json::array(), routes = json::array();
  for (const NetAddress& a : i.addresses) addresses.push_back(address_json(a));
  for (const NetRoute& r : i.routes) routes.push_back(route_json(r));
  return {{"name", i.name}, {"mac", i.mac}, {"mtu", i.mtu}, {"addresses", addresses}, {"routes", routes}};
}

std::string element(std::string_view context, std::string_view field, size_t index) {
  return std::string(context) + "." + std::string(field) + "[" + std::to_string(index) + "]";
}

NetAddress read_address(JsonReader in) {
  NetAddress a;
  a.family = in.word<IpFamily>("family", kFamilies);
  a.address = in.string("address");
  a.prefix_len = in.integer<int>("prefix_len");
  in.finish();
  return a;
}

NetRoute read_route(JsonReader in) {
  NetRoute r;
  r.family = in.word<IpFamily>("family", kFamilies);
  r.destination = in.string("destination");
  r.prefix_len = in.integer<int>("prefix_len");
  r.gateway = in.string("gateway");
  r.scope = in.word<RouteScope>("scope", kScopes);
  r.metric = in.integer<uint32_t>("metric");
  in.finish();
  return r;
}

NetInterface read_interface(const std::string& context, JsonReader in) {
  NetInterface i;
  i.name = in.string("name");
  i.mac = in.string("mac");
  i.mtu = in.integer<uint32_t>("mtu");
  const json addresses = in.array("addresses", kMaxNetAddresses);
  for (size_t n = 0; n < addresses.size(); ++n) {
    i.addresses.push_back(read_address(JsonReader(element(context, "addresses", n), addresses[n])));
  }
  const json routes = in.array("routes", kMaxNetRoutes);
  for (size_t n = 0; n < routes.size(); ++n) {
    i.routes.push_back(read_route(JsonReader(element(context, "routes", n), routes[n])));
  }
  in.finish();
  return i;
}

}  // namespace

json network_to_json(const Network& network) {
  json interfaces = json::array();
  for (const NetInterface& i : network.interfaces) interfaces.push_back(interface_json(i));
  return {{"interfaces", interfaces}};
}

Network read_network(JsonReader& in) {
  Network network;
  const json interfaces = in.array("interfaces", kMaxNetInterfaces);
  for (size_t n = 0; n < interfaces.size(); ++n) {
    const std::string context = element("Network", "interfaces", n);
    network.interfaces.push_back(read_interface(context, JsonReader(context, interfaces[n])));
  }
  return network;
}

}  // namespace ppc::protocol::detail
