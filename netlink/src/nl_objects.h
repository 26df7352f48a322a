#pragma once
// libnl's objects owned as unique_ptrs (each released with its own put/free), and its error
// codes turned into Error. Private to netconf: callers see only netconf's own types.
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/act/mirred.h>
#include <netlink/route/addr.h>
#include <netlink/route/classifier.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/route.h>

#include <memory>
#include <string>

namespace ppc::netconf::detail {

template <typename T, void (*Release)(T*)>
struct Releaser {
  void operator()(T* p) const {
    if (p != nullptr) Release(p);
  }
};

using CachePtr = std::unique_ptr<nl_cache, Releaser<nl_cache, nl_cache_free>>;
using LinkPtr = std::unique_ptr<rtnl_link, Releaser<rtnl_link, rtnl_link_put>>;
using AddrPtr = std::unique_ptr<rtnl_addr, Releaser<rtnl_addr, rtnl_addr_put>>;
using RoutePtr = std::unique_ptr<rtnl_route, Releaser<rtnl_route, rtnl_route_put>>;
using QdiscPtr = std::unique_ptr<rtnl_qdisc, Releaser<rtnl_qdisc, rtnl_qdisc_put>>;
using ClsPtr = std::unique_ptr<rtnl_cls, Releaser<rtnl_cls, rtnl_cls_put>>;
using ActPtr = std::unique_ptr<rtnl_act, Releaser<rtnl_act, rtnl_act_put>>;
using NlAddrPtr = std::unique_ptr<nl_addr, Releaser<nl_addr, nl_addr_put>>;

// "what: <libnl's reason>".
[[noreturn]] void throw_nl(const std::string& what, int error);
// A libnl call's result: negative is an error (thrown as above), else returned.
int check_nl(int result, const std::string& what);
// A new object from libnl's allocator, or Error (out of memory).
template <typename Ptr, typename Alloc>
Ptr allocate(Alloc alloc, const char* what) {
  Ptr p(alloc());
  if (!p) throw_nl(what, -NLE_NOMEM);
  return p;
}

// An address from text in the given family (AF_INET, AF_INET6) with a prefix length.
NlAddrPtr parse_nl_addr(const std::string& text, int family, int prefix_len, const std::string& what);
// The address's text without its prefix ("10.88.0.2", "fd00::2").
std::string nl_addr_text(nl_addr* addr);

}  // namespace ppc::netconf::detail
