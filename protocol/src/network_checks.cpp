#include "network_checks.h"

#include <arpa/inet.h>

#include <array>
#include <cctype>
#include <set>
#include <string>

#include "checks.h"
#include "protocol/limits.h"

namespace ppc::protocol::detail {
namespace {

constexpr std::string_view kMessage = "Network";

int max_prefix(IpFamily family) { return family == IpFamily::kIpv4 ? 32 : 128; }

// The address's bytes (4 or 16), or a failure naming the field.
std::array<uint8_t, 16> parse_address(const std::string& field, IpFamily family, const std::string& text) {
  std::array<uint8_t, 16> bytes{};
  const int af = family == IpFamily::kIpv4 ? AF_INET : AF_INET6;
  if (text.size() > INET6_ADDRSTRLEN || ::inet_pton(af, text.c_str(), bytes.data()) != 1) {
    fail_field(kMessage, field,
               "\"" + text.substr(0, 64) + "\" is not an " + (af == AF_INET ? "IPv4" : "IPv6") + " address");
  }
  return bytes;
}

// As Linux's dev_valid_name: 1..15 bytes, not . or .., no '/', ':' or white space.
void check_interface_name(const std::string& field, const std::string& name) {
  check_text(kMessage, field, name, 1, kMaxInterfaceNameLength);
  const bool bad_char = name.find_first_of("/: \t\n\v\f\r") != std::string::npos;
  if (name == "." || name == ".." || bad_char) fail_field(kMessage, field, "\"" + name + "\" is not an interface name");
}

void check_mac(const std::string& field, const std::string& mac) {
  bool ok = mac.size() == 17;
  for (size_t i = 0; ok && i < mac.size(); ++i) {
    ok = i % 3 == 2 ? mac[i] == ':' : (std::isdigit(static_cast<unsigned char>(mac[i])) || (mac[i] >= 'a' && mac[i] <= 'f'));
  }
  if (!ok) fail_field(kMessage, field, "\"" + mac.substr(0, 32) + "\" is not a MAC address (aa:bb:cc:dd:ee:ff)");
  const int first = std::stoi(mac.substr(0, 2), nullptr, 16);
  if (first & 1) fail_field(kMessage, field, mac + " is a multicast address");
  if (mac == "00:00:00:00:00:00") fail_field(kMessage, field, "the MAC address is all zeros");
}

void check_address(const std::string& at, const NetAddress& a) {
  check_range(kMessage, at + ".family", static_cast<int64_t>(a.family), 0, static_cast<int64_t>(IpFamily::kIpv6));
  parse_address(at + ".address", a.family, a.address);
  check_range(kMessage, at + ".prefix_len", a.prefix_len, 0, max_prefix(a.family));
}

void check_route(const std::string& at, const NetRoute& r) {
  check_range(kMessage, at + ".family", static_cast<int64_t>(r.family), 0, static_cast<int64_t>(IpFamily::kIpv6));
  const auto dst = parse_address(at + ".destination", r.family, r.destination);
  check_range(kMessage, at + ".prefix_len", r.prefix_len, 0, max_prefix(r.family));
  // The kernel refuses a destination with host bits set; say so here, with the field.
  for (int bit = r.prefix_len; bit < max_prefix(r.family); ++bit) {
    if (dst[static_cast<size_t>(bit / 8)] & (0x80 >> (bit % 8))) {
      fail_field(kMessage, at + ".destination", r.destination + " has bits set beyond /" + std::to_string(r.prefix_len));
    }
  }
  if (!r.gateway.empty()) parse_address(at + ".gateway", r.family, r.gateway);
  check_range(kMessage, at + ".scope", static_cast<int64_t>(r.scope), 0, static_cast<int64_t>(RouteScope::kLink));
  if (!r.gateway.empty() && r.scope != RouteScope::kUniverse) {
    fail_field(kMessage, at + ".scope", "a route through a gateway has scope universe");
  }
}

void check_interface(const std::string& at, const NetInterface& i) {
  check_interface_name(at + ".name", i.name);
  check_mac(at + ".mac", i.mac);
  check_range(kMessage, at + ".mtu", i.mtu, 68, 65535);
  check_range(kMessage, at + ".addresses", static_cast<int64_t>(i.addresses.size()), 0, kMaxNetAddresses);
  check_range(kMessage, at + ".routes", static_cast<int64_t>(i.routes.size()), 0, kMaxNetRoutes);
  for (size_t n = 0; n < i.addresses.size(); ++n) check_address(at + ".addresses[" + std::to_string(n) + "]", i.addresses[n]);
  for (size_t n = 0; n < i.routes.size(); ++n) check_route(at + ".routes[" + std::to_string(n) + "]", i.routes[n]);
}

}  // namespace

void check_network(const Network& network) {
  check_range(kMessage, "interfaces", static_cast<int64_t>(network.interfaces.size()), 1, kMaxNetInterfaces);
  std::set<std::string> names, macs;
  for (size_t n = 0; n < network.interfaces.size(); ++n) {
    const std::string at = "interfaces[" + std::to_string(n) + "]";
    const NetInterface& i = network.interfaces[n];
    check_interface(at, i);
    if (!names.insert(i.name).second) fail_field(kMessage, at + ".name", "\"" + i.name + "\" is named twice");
    if (!macs.insert(i.mac).second) fail_field(kMessage, at + ".mac", i.mac + " is given twice");
  }
}

}  // namespace ppc::protocol::detail
