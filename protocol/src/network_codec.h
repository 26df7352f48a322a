#pragma once
// Network's JSON: {"interfaces": [{"name", "mac", "mtu", "addresses": [{"family", "address",
// "prefix_len"}], "routes": [{"family", "destination", "prefix_len", "gateway", "scope",
// "metric"}]}]}, families as "ipv4"/"ipv6", scopes as "universe"/"link".
#include <nlohmann/json.hpp>

#include "json_reader.h"
#include "protocol/messages.h"

namespace ppc::protocol::detail {

nlohmann::json network_to_json(const Network& network);
// Reads the fields of a Network from its message's reader; bounds come later (validate).
Network read_network(JsonReader& in);

}  // namespace ppc::protocol::detail
