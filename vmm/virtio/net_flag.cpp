#include "virtio/net_flag.h"

#include <cctype>
#include <optional>

#include "config_error.h"
#include "virtio/tap.h"

namespace ppc::vmm {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  const int lower = std::tolower(static_cast<unsigned char>(c));
  return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -1;
}

// "02:00:00:00:00:01": six bytes, each two hex digits, separated by colons.
std::optional<std::array<uint8_t, 6>> parse_mac(const std::string& text) {
  if (text.size() != 17) return std::nullopt;
  std::array<uint8_t, 6> mac{};
  for (size_t i = 0; i < 6; ++i) {
    const size_t at = 3 * i;
    const int hi = hex_digit(text[at]), lo = hex_digit(text[at + 1]);
    if (hi < 0 || lo < 0 || (i < 5 && text[at + 2] != ':')) return std::nullopt;
    mac[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return mac;
}

std::optional<uint16_t> parse_mtu(const std::string& text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  unsigned value = 0;
  for (const char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  // Linux's virtio-net ignores a smaller one; 65535 is the field's limit.
  if (value < 68 || value > 65535) return std::nullopt;
  return static_cast<uint16_t>(value);
}

}  // namespace

NetConfig parse_net_flag(const std::string& value) {
  NetConfig nic;
  nic.flag = "--net " + value;
  const auto fail = [&](const std::string& why) { return ConfigError(nic.flag + ": " + why); };
  bool have_tap = false, have_mac = false, have_mtu = false, have_vhost = false;
  size_t start = 0;
  while (start <= value.size()) {
    const size_t comma = value.find(',', start);
    const std::string item = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? value.size() + 1 : comma + 1;
    const size_t eq = item.find('=');
    const std::string key = item.substr(0, eq);
    const std::string text = eq == std::string::npos ? std::string() : item.substr(eq + 1);
    if (eq == std::string::npos) throw fail("'" + item + "' is not KEY=VALUE (tap, mac, mtu, vhost)");
    if (key != "tap" && key != "mac" && key != "mtu" && key != "vhost")
      throw fail("unknown key '" + key + "' (tap, mac, mtu, vhost)");
    bool& seen = key == "tap" ? have_tap : key == "mac" ? have_mac : key == "mtu" ? have_mtu : have_vhost;
    if (seen) throw fail(key + " given twice");
    seen = true;
    if (key == "tap") {
      try {
        TapBackend::check_name(text);
      } catch (const Error& e) {
        throw fail(std::string("tap: ") + e.what());
      }
      nic.tap = text;
    } else if (key == "mac") {
      const auto mac = parse_mac(text);
      if (!mac) throw fail("mac '" + text + "' is not six hex bytes like 02:00:00:00:00:01");
      if ((*mac)[0] & 1) throw fail("mac " + text + " is a multicast address");
      if (*mac == std::array<uint8_t, 6>{}) throw fail("mac " + text + " is all zeros");
      nic.mac = *mac;
    } else if (key == "vhost") {
      if (text != "on" && text != "off") throw fail("vhost '" + text + "': on or off");
      nic.vhost = text == "on";
    } else {
      const auto mtu = parse_mtu(text);
      if (!mtu) throw fail("mtu '" + text + "': a number from 68 to 65535");
      nic.mtu = *mtu;
    }
  }
  if (!have_tap) throw fail("tap=NAME is required");
  if (!have_mac) throw fail("mac=XX:XX:XX:XX:XX:XX is required");
  return nic;
}

}  // namespace ppc::vmm
