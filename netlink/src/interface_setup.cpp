#include "netconf/interface_setup.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "base/error.h"
#include "base/unique_fd.h"
#include "netconf/addresses.h"
#include "netconf/routes.h"

namespace ppc::netconf {
namespace {

// /proc/sys/net/ipv6/conf/<interface>/<key>, of the calling thread's network namespace. A
// kernel without IPv6 has no such file: nothing to turn off then.
void set_ipv6_conf(const std::string& interface, const char* key, const char* value) {
  const std::string path = "/proc/sys/net/ipv6/conf/" + interface + "/" + key;
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return;
    throw_errno("open " + path);
  }
  const std::string text = std::string(value) + "\n";
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) throw_errno("write " + path);
}

}  // namespace

void configure_interface(Netlink& nl, const Link& link, const protocol::NetInterface& config) {
  Link named = link;
  if (link.name != config.name) {
    change_link(nl, link, LinkChange{.name = config.name});
    named.name = config.name;
  }
  with_context("interface " + config.name, [&] {
    // The effective DAD setting is the larger of "all" and the interface's own.
    set_ipv6_conf("all", "accept_dad", "0");
    set_ipv6_conf(config.name, "accept_dad", "0");
    set_ipv6_conf(config.name, "accept_ra", "0");
    set_ipv6_conf(config.name, "autoconf", "0");
  });
  change_link(nl, named, LinkChange{.mtu = config.mtu, .up = true});
  with_context("interface " + config.name, [&] {
    for (const protocol::NetAddress& a : config.addresses) add_address(nl, named.index, a);
    for (const protocol::NetRoute& r : config.routes) {
      if (r.gateway.empty()) add_route(nl, named.index, r);
    }
    for (const protocol::NetRoute& r : config.routes) {
      if (!r.gateway.empty()) add_route(nl, named.index, r);
    }
  });
}

}  // namespace ppc::netconf
