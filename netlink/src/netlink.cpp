#include "netconf/netlink.h"

#include <arpa/inet.h>
#include <linux/netlink.h>

#include "base/error.h"
#include "nl_objects.h"

namespace ppc::netconf {
namespace detail {

void throw_nl(const std::string& what, int error) { throw Error(what + ": " + nl_geterror(error)); }

int check_nl(int result, const std::string& what) {
  if (result < 0) throw_nl(what, result);
  return result;
}

NlAddrPtr parse_nl_addr(const std::string& text, int family, int prefix_len, const std::string& what) {
  unsigned char bytes[16] = {};
  if (::inet_pton(family, text.c_str(), bytes) != 1) throw Error(what + ": \"" + text + "\" is not an address of its family");
  NlAddrPtr addr(nl_addr_build(family, bytes, family == AF_INET ? 4 : 16));
  if (!addr) throw_nl(what, -NLE_NOMEM);
  nl_addr_set_prefixlen(addr.get(), prefix_len);
  return addr;
}

std::string nl_addr_text(nl_addr* addr) {
  char text[INET6_ADDRSTRLEN] = {};
  const int family = nl_addr_get_family(addr);
  if ((family != AF_INET && family != AF_INET6) ||
      ::inet_ntop(family, nl_addr_get_binary_addr(addr), text, sizeof text) == nullptr) {
    return "";
  }
  return text;
}

}  // namespace detail

Netlink::Netlink() {
  socket_ = nl_socket_alloc();
  if (socket_ == nullptr) throw Error("netlink: cannot allocate a socket");
  const int err = nl_connect(socket_, NETLINK_ROUTE);
  if (err < 0) {
    nl_socket_free(socket_);
    detail::throw_nl("netlink: connect", err);
  }
}

Netlink::~Netlink() { nl_socket_free(socket_); }

}  // namespace ppc::netconf
