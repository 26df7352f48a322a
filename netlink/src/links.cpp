#include "netconf/links.h"

#include <linux/if_arp.h>
#include <linux/if.h>

#include <algorithm>
#include <cstdio>

#include "base/error.h"
#include "nl_objects.h"

namespace ppc::netconf {
namespace {

using namespace detail;

std::string mac_text(rtnl_link* link) {
  nl_addr* addr = rtnl_link_get_addr(link);
  if (addr == nullptr || rtnl_link_get_arptype(link) != ARPHRD_ETHER || nl_addr_get_len(addr) != 6) return "";
  const auto* b = static_cast<const unsigned char*>(nl_addr_get_binary_addr(addr));
  char text[18];
  std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
  return text;
}

NlAddrPtr parse_mac(const std::string& mac, const std::string& what) {
  unsigned b[6];
  char end;
  if (std::sscanf(mac.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &end) != 6) {
    throw Error(what + ": \"" + mac + "\" is not a MAC address");
  }
  unsigned char bytes[6];
  std::copy(b, b + 6, bytes);
  NlAddrPtr addr(nl_addr_build(AF_LLC, bytes, sizeof bytes));
  if (!addr) throw_nl(what, -NLE_NOMEM);
  return addr;
}

Link link_of(rtnl_link* l) {
  Link link;
  link.name = rtnl_link_get_name(l) != nullptr ? rtnl_link_get_name(l) : "";
  link.index = rtnl_link_get_ifindex(l);
  link.mac = mac_text(l);
  link.mtu = rtnl_link_get_mtu(l);
  link.kind = rtnl_link_get_type(l) != nullptr ? rtnl_link_get_type(l) : "";
  link.flags = rtnl_link_get_flags(l);
  return link;
}

}  // namespace

bool Link::up() const { return (flags & IFF_UP) != 0; }

bool Link::loopback() const { return (flags & IFF_LOOPBACK) != 0; }

bool Link::carries_container_traffic() const { return !loopback() && !mac.empty() && kind != "tun"; }

std::vector<Link> list_links(Netlink& nl) {
  nl_cache* raw = nullptr;
  check_nl(rtnl_link_alloc_cache(nl.socket(), AF_UNSPEC, &raw), "list the interfaces");
  CachePtr cache(raw);
  std::vector<Link> links;
  for (nl_object* o = nl_cache_get_first(cache.get()); o != nullptr; o = nl_cache_get_next(o)) {
    links.push_back(link_of(reinterpret_cast<rtnl_link*>(o)));
  }
  std::sort(links.begin(), links.end(), [](const Link& a, const Link& b) { return a.index < b.index; });
  return links;
}

std::optional<Link> find_link(Netlink& nl, const std::string& name) {
  rtnl_link* raw = nullptr;
  const int err = rtnl_link_get_kernel(nl.socket(), 0, name.c_str(), &raw);
  if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV) return std::nullopt;
  check_nl(err, "interface " + name);
  LinkPtr link(raw);
  return link_of(link.get());
}

Link link_named(Netlink& nl, const std::string& name) {
  std::optional<Link> link = find_link(nl, name);
  if (!link) throw Error("interface " + name + ": not found");
  return *link;
}

void change_link(Netlink& nl, const Link& link, const LinkChange& change) {
  const std::string what = "interface " + link.name;
  LinkPtr orig = allocate<LinkPtr>(rtnl_link_alloc, what.c_str());
  rtnl_link_set_ifindex(orig.get(), link.index);
  rtnl_link_set_name(orig.get(), link.name.c_str());
  LinkPtr changes = allocate<LinkPtr>(rtnl_link_alloc, what.c_str());
  std::string done;
  if (change.mtu) {
    rtnl_link_set_mtu(changes.get(), *change.mtu);
    done += " MTU " + std::to_string(*change.mtu);
  }
  if (change.mac) {
    rtnl_link_set_addr(changes.get(), parse_mac(*change.mac, what).get());
    done += " MAC " + *change.mac;
  }
  if (change.name) {
    rtnl_link_set_name(changes.get(), change.name->c_str());
    done += " name " + *change.name;
  }
  if (change.netns_fd) {
    rtnl_link_set_ns_fd(changes.get(), *change.netns_fd);
    done += " into another network namespace";
  }
  if (change.up) {
    rtnl_link_set_flags(changes.get(), IFF_UP);
    done += " up";
  }
  check_nl(rtnl_link_change(nl.socket(), orig.get(), changes.get(), 0), what + ": set" + done);
}

void delete_link(Netlink& nl, const std::string& name) {
  LinkPtr link = allocate<LinkPtr>(rtnl_link_alloc, name.c_str());
  rtnl_link_set_name(link.get(), name.c_str());
  const int err = rtnl_link_delete(nl.socket(), link.get());
  if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV) return;
  check_nl(err, "interface " + name + ": delete");
}

}  // namespace ppc::netconf
