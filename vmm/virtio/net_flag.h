#pragma once
// The --net flag's value: tap=NAME,mac=XX:XX:XX:XX:XX:XX[,mtu=N][,vhost=on|off].
#include <string>

#include "virtio/device_config.h"

namespace ppc::vmm {

// Throws ConfigError naming the flag and what is wrong: an unknown or repeated key, a missing
// tap or mac, a name that cannot be an interface's, a MAC that is not six hex bytes or not a
// unicast address, an MTU outside 68 to 65535, a vhost other than on or off.
NetConfig parse_net_flag(const std::string& value);

}  // namespace ppc::vmm
