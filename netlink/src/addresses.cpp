#include "netconf/addresses.h"

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "base/error.h"
#include "nl_objects.h"

namespace ppc::netconf {
namespace {

using namespace detail;

int af_of(protocol::IpFamily family) { return family == protocol::IpFamily::kIpv4 ? AF_INET : AF_INET6; }

std::string describe(const protocol::NetAddress& a) { return "address " + a.address + "/" + std::to_string(a.prefix_len); }

// The IPv4 broadcast address of address/prefix_len (all host bits set).
NlAddrPtr broadcast_of(const protocol::NetAddress& a, const std::string& what) {
  in_addr addr{};
  ::inet_pton(AF_INET, a.address.c_str(), &addr);
  const uint32_t host_mask = a.prefix_len == 0 ? 0xffffffffu : (a.prefix_len == 32 ? 0 : (0xffffffffu >> a.prefix_len));
  addr.s_addr |= htonl(host_mask);
  char text[INET_ADDRSTRLEN];
  ::inet_ntop(AF_INET, &addr, text, sizeof text);
  return parse_nl_addr(text, AF_INET, 32, what);
}

}  // namespace

std::vector<protocol::NetAddress> list_addresses(Netlink& nl, int ifindex) {
  nl_cache* raw = nullptr;
  check_nl(rtnl_addr_alloc_cache(nl.socket(), &raw), "list the addresses");
  CachePtr cache(raw);
  std::vector<protocol::NetAddress> addresses;
  for (nl_object* o = nl_cache_get_first(cache.get()); o != nullptr; o = nl_cache_get_next(o)) {
    auto* a = reinterpret_cast<rtnl_addr*>(o);
    const int family = rtnl_addr_get_family(a);
    if (rtnl_addr_get_ifindex(a) != ifindex || (family != AF_INET && family != AF_INET6)) continue;
    if (rtnl_addr_get_scope(a) == RT_SCOPE_LINK || rtnl_addr_get_local(a) == nullptr) continue;
    addresses.push_back({family == AF_INET ? protocol::IpFamily::kIpv4 : protocol::IpFamily::kIpv6,
                         nl_addr_text(rtnl_addr_get_local(a)), rtnl_addr_get_prefixlen(a)});
  }
  return addresses;
}

void add_address(Netlink& nl, int ifindex, const protocol::NetAddress& address) {
  const std::string what = describe(address);
  const int family = af_of(address.family);
  AddrPtr a = allocate<AddrPtr>(rtnl_addr_alloc, what.c_str());
  rtnl_addr_set_ifindex(a.get(), ifindex);
  rtnl_addr_set_family(a.get(), family);
  check_nl(rtnl_addr_set_local(a.get(), parse_nl_addr(address.address, family, address.prefix_len, what).get()), what);
  rtnl_addr_set_prefixlen(a.get(), address.prefix_len);
  if (family == AF_INET6) rtnl_addr_set_flags(a.get(), IFA_F_NODAD);
  if (family == AF_INET && address.prefix_len < 31) {
    check_nl(rtnl_addr_set_broadcast(a.get(), broadcast_of(address, what).get()), what);
  }
  check_nl(rtnl_addr_add(nl.socket(), a.get(), NLM_F_REPLACE), "add " + what);
}

}  // namespace ppc::netconf
