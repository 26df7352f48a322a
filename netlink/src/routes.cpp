#include "netconf/routes.h"

#include <linux/rtnetlink.h>

#include "base/error.h"
#include "nl_objects.h"

namespace ppc::netconf {
namespace {

using namespace detail;

std::string describe(const protocol::NetRoute& r) {
  std::string text = "route " + r.destination + "/" + std::to_string(r.prefix_len);
  if (!r.gateway.empty()) text += " via " + r.gateway;
  return text;
}

// A route as the protocol carries it, if it is one of ours to carry.
std::optional<protocol::NetRoute> carried(rtnl_route* r, int ifindex) {
  const int family = rtnl_route_get_family(r);
  if (rtnl_route_get_table(r) != RT_TABLE_MAIN || rtnl_route_get_type(r) != RTN_UNICAST ||
      rtnl_route_get_protocol(r) == RTPROT_KERNEL || (family != AF_INET && family != AF_INET6) ||
      rtnl_route_get_nnexthops(r) != 1) {
    return std::nullopt;
  }
  rtnl_nexthop* hop = rtnl_route_nexthop_n(r, 0);
  if (rtnl_route_nh_get_ifindex(hop) != ifindex) return std::nullopt;
  protocol::NetRoute route;
  route.family = family == AF_INET ? protocol::IpFamily::kIpv4 : protocol::IpFamily::kIpv6;
  nl_addr* dst = rtnl_route_get_dst(r);
  route.prefix_len = dst != nullptr ? static_cast<int>(nl_addr_get_prefixlen(dst)) : 0;
  // The default route's destination comes without bytes.
  route.destination = dst != nullptr && nl_addr_get_len(dst) > 0 ? nl_addr_text(dst) : (family == AF_INET ? "0.0.0.0" : "::");
  if (nl_addr* gw = rtnl_route_nh_get_gateway(hop)) route.gateway = nl_addr_text(gw);
  route.scope = route.gateway.empty() && rtnl_route_get_scope(r) == RT_SCOPE_LINK ? protocol::RouteScope::kLink
                                                                                    : protocol::RouteScope::kUniverse;
  route.metric = rtnl_route_get_priority(r);
  return route;
}

}  // namespace

std::vector<protocol::NetRoute> list_routes(Netlink& nl, int ifindex) {
  nl_cache* raw = nullptr;
  check_nl(rtnl_route_alloc_cache(nl.socket(), AF_UNSPEC, 0, &raw), "list the routes");
  CachePtr cache(raw);
  std::vector<protocol::NetRoute> routes;
  for (nl_object* o = nl_cache_get_first(cache.get()); o != nullptr; o = nl_cache_get_next(o)) {
    if (auto route = carried(reinterpret_cast<rtnl_route*>(o), ifindex)) routes.push_back(std::move(*route));
  }
  return routes;
}

void add_route(Netlink& nl, int ifindex, const protocol::NetRoute& route) {
  const std::string what = describe(route);
  const int family = route.family == protocol::IpFamily::kIpv4 ? AF_INET : AF_INET6;
  RoutePtr r = allocate<RoutePtr>(rtnl_route_alloc, what.c_str());
  check_nl(rtnl_route_set_family(r.get(), static_cast<uint8_t>(family)), what);
  check_nl(rtnl_route_set_dst(r.get(), parse_nl_addr(route.destination, family, route.prefix_len, what).get()), what);
  rtnl_route_set_table(r.get(), RT_TABLE_MAIN);
  check_nl(rtnl_route_set_type(r.get(), RTN_UNICAST), what);
  rtnl_route_set_protocol(r.get(), RTPROT_BOOT);
  rtnl_route_set_scope(r.get(), route.scope == protocol::RouteScope::kLink ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE);
  if (route.metric != 0) rtnl_route_set_priority(r.get(), route.metric);
  rtnl_nexthop* hop = rtnl_route_nh_alloc();
  if (hop == nullptr) throw_nl(what, -NLE_NOMEM);
  rtnl_route_nh_set_ifindex(hop, ifindex);
  if (!route.gateway.empty()) {
    // nh_set_gateway takes its own reference: the parsed address is released here.
    rtnl_route_nh_set_gateway(hop, parse_nl_addr(route.gateway, family, family == AF_INET ? 32 : 128, what).get());
  }
  rtnl_route_add_nexthop(r.get(), hop);  // the route owns the next hop from here
  check_nl(rtnl_route_add(nl.socket(), r.get(), NLM_F_CREATE | NLM_F_REPLACE), "add " + what);
}

}  // namespace ppc::netconf
