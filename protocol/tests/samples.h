#pragma once
// One or more filled-in messages of every type, shared by the codec, decoder and
// connection tests.
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/limits.h"
#include "protocol/messages.h"

namespace ppc::protocol::testing {

// Each byte value in turn, 256 of them unless told otherwise.
inline std::vector<uint8_t> every_byte_value(size_t count = 256) {
  std::vector<uint8_t> bytes(count);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i);
  return bytes;
}

// podman's default network, dual stack: one interface with an address and a default route
// in each family, plus a route on the link.
inline Network dual_stack_network() {
  NetInterface eth0;
  eth0.name = "eth0";
  eth0.mac = "7a:2b:00:11:22:33";
  eth0.mtu = 1500;
  eth0.addresses = {{IpFamily::kIpv4, "10.88.0.2", 16}, {IpFamily::kIpv6, "fd00:1::2", 64}};
  eth0.routes = {{IpFamily::kIpv4, "0.0.0.0", 0, "10.88.0.1", RouteScope::kUniverse, 0},
                 {IpFamily::kIpv4, "192.168.77.0", 24, "", RouteScope::kLink, 100},
                 {IpFamily::kIpv6, "::", 0, "fe80::1", RouteScope::kUniverse, 1024}};
  return Network{{eth0}};
}

// Small messages only, so tests can afford work per byte of their encoding.
inline std::vector<Message> small_samples() {
  const nlohmann::json config = nlohmann::json::parse(R"({
    "ociVersion": "1.0.2",
    "process": {"terminal": false, "user": {"uid": 0, "gid": 0}, "args": ["sh", "-c", "echo \"hé\" $HOME"],
                "env": ["PATH=/usr/bin:/bin", "TERM=xterm"], "cwd": "/"},
    "root": {"path": "rootfs", "readonly": true},
    "hostname": "box",
    "linux": {"resources": {"memory": {"limit": 536870912}}, "namespaces": [{"type": "pid"}, {"type": "mount"}]}
  })");
  return {
      Hello{kVersion, Role::kAgent},
      Hello{kVersion, Role::kHost},
      Ok{},
      ErrorReply{ErrorCode::kExecFailed, "exec: \"nope\": executable file not found in $PATH", 127},
      ErrorReply{ErrorCode::kNotFound, "no process with exec id \"e1\"", 1},
      CreateContainer{"4f2c9a0b-test.1", config, "box"},
      CreateContainer{"c", nlohmann::json::object(), ""},
      CreateContainer{"c", nlohmann::json::object(), "", "ppc-kvm-share"},
      CreateContainer{"member-2", nlohmann::json::object(), "", "ppc-kvm-share", "4f2c9a0b-test.1"},
      Start{"c"},
      Signal{"c", std::string(kInitExecId), 15},
      Signal{"member-2", "exec-7", 64},
      Exec{"c", "exec-7", nlohmann::json::parse(R"({"args": ["ls", "-l"], "cwd": "/", "terminal": true})")},
      Wait{"c", std::string(kInitExecId)},
      Exited{"c", "exec-7", 0, false},
      Exited{"member-2", std::string(kInitExecId), 137, true},
      Resize{"c", "exec-7", 24, 80},
      RemoveContainer{"member-2"},
      FreezeContainer{"member-2", true},
      FreezeContainer{"member-2", false},
      Shutdown{},
      Restored{std::vector<uint8_t>(kMinRestoreEntropy, 0xa5), 1796536800123456789},
      Restored{every_byte_value(kMaxRestoreEntropy), 1},
      StdioData{"exec-7", StdioStream::kStdin, every_byte_value()},
      StdioData{std::string(kInitExecId), StdioStream::kStderr, {'\n'}},
      StdioClose{"exec-7", StdioStream::kStdin},
      StdioWindow{std::string(kInitExecId), StdioStream::kStdout, static_cast<uint32_t>(kStdioWindow)},
      dual_stack_network(),
      Network{{NetInterface{"e", "02:00:00:00:00:01", 68, {}, {}}}},
  };
}

// Every count at its limit.
inline Network largest_network() {
  Network network;
  for (size_t n = 0; n < kMaxNetInterfaces; ++n) {
    NetInterface i;
    i.name = "veth-with-15-c" + std::to_string(n);
    i.mac = "02:00:00:00:00:1" + std::to_string(n);
    i.mtu = 65535;
    for (size_t a = 0; a < kMaxNetAddresses; ++a) {
      i.addresses.push_back({IpFamily::kIpv6, "fd00:" + std::to_string(n) + "::" + std::to_string(a + 1), 128});
    }
    for (size_t r = 0; r < kMaxNetRoutes; ++r) {
      i.routes.push_back({IpFamily::kIpv4, "10." + std::to_string(n) + "." + std::to_string(r) + ".0", 24,
                          "10.255.255." + std::to_string(r + 1), RouteScope::kUniverse, 4294967295u});
    }
    network.interfaces.push_back(std::move(i));
  }
  return network;
}

// small_samples() plus the largest messages the limits allow.
inline std::vector<Message> all_samples() {
  std::vector<Message> samples = small_samples();
  std::vector<uint8_t> chunk(kMaxStdioChunk);
  for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<uint8_t>(i * 7 + 3);
  samples.push_back(StdioData{std::string(kMaxIdLength, 'x'), StdioStream::kStdout, chunk});
  samples.push_back(CreateContainer{"big", {{"process", {{"env", {std::string(kMaxControlPayload - 200, 'e')}}}}}, ""});
  samples.push_back(largest_network());
  return samples;
}

}  // namespace ppc::protocol::testing
