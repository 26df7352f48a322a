#pragma once
// A route netlink connection (libnl-route-3) in the network namespace of the thread that
// makes it: a netlink socket stays bound to its creator's namespace, so each thread that
// works in a namespace (netns.h) makes its own. Every failure is an Error naming the object
// (interface, address, route, qdisc) and libnl's reason.
struct nl_sock;

namespace ppc::netconf {

class Netlink {
 public:
  Netlink();  // throws Error
  ~Netlink();
  Netlink(const Netlink&) = delete;
  Netlink& operator=(const Netlink&) = delete;

  nl_sock* socket() const { return socket_; }

 private:
  nl_sock* socket_ = nullptr;
};

}  // namespace ppc::netconf
