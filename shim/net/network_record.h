#pragma once
// <state>/network.json: what create decided about a container's network, for start: the
// namespace, whether its interfaces are still to come ("late": the shim's own namespace, into
// which ctr run --cni puts a veth between create and start), and the VM's NICs in order.
#include <optional>
#include <string>
#include <vector>

#include "net/made_net.h"

namespace ppc::shim {

struct GuestNic {
  std::string tap;
  std::string mac;
  unsigned mtu = 0;  // 0: none given to the VMM (the guest's default, changeable)
  friend bool operator==(const GuestNic&, const GuestNic&) = default;
};

struct NetworkRecord {
  NetnsId netns;
  bool late = false;
  std::vector<GuestNic> nics;
};

void write_network_record(const std::string& state_dir, const NetworkRecord& record);
// nullopt when there is none (a container created before the shim connected networks).
// Throws Error naming the file when it is unreadable or malformed.
std::optional<NetworkRecord> read_network_record(const std::string& state_dir);

}  // namespace ppc::shim
