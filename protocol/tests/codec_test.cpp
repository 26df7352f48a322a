#include "protocol/codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "expect_error.h"
#include "samples.h"

namespace ppc::protocol {
namespace {

using testing::all_samples;

Frame frame_of(MessageType type, std::string_view payload) {
  return Frame{type, std::vector<uint8_t>(payload.begin(), payload.end())};
}

Frame stdio_frame(MessageType type, std::vector<uint8_t> payload) { return Frame{type, std::move(payload)}; }

// stream, id length, id, then rest.
std::vector<uint8_t> stdio_payload(uint8_t stream, std::string_view id, std::vector<uint8_t> rest) {
  std::vector<uint8_t> out(3 + id.size() + rest.size());
  out[0] = stream;
  out[1] = static_cast<uint8_t>(id.size() >> 8);
  out[2] = static_cast<uint8_t>(id.size());
  std::copy(id.begin(), id.end(), out.begin() + 3);
  std::copy(rest.begin(), rest.end(), out.begin() + 3 + static_cast<ptrdiff_t>(id.size()));
  return out;
}

TEST(Codec, EveryMessageRoundTrips) {
  std::set<MessageType> types;
  for (const Message& message : all_samples()) {
    const Frame frame = encode(message);
    EXPECT_EQ(frame.type, type_of(message));
    EXPECT_EQ(decode(frame), message) << message_type_name(frame.type);
    types.insert(frame.type);
  }
  EXPECT_EQ(types.size(), 18u) << "a message type has no sample";
}

TEST(Codec, ControlPayloadIsReadableJson) {
  const Frame frame = encode(Signal{"c1", "init", 9});
  EXPECT_EQ(std::string(frame.payload.begin(), frame.payload.end()),
            R"({"container_id":"c1","exec_id":"init","signal":9})");
  const Frame start = encode(Start{"c1"});
  EXPECT_EQ(std::string(start.payload.begin(), start.payload.end()), R"({"container_id":"c1"})");
}

TEST(Codec, StdioPayloadIsBinary) {
  EXPECT_EQ(encode(StdioWindow{"e1", StdioStream::kStderr, 0x10203}).payload,
            stdio_payload(2, "e1", {0x00, 0x01, 0x02, 0x03}));
  EXPECT_EQ(encode(StdioData{"e", StdioStream::kStdin, {0, 0xff}}).payload, stdio_payload(0, "e", {0, 0xff}));
}

TEST(Codec, MissingAndIllTypedFieldsAreNamed) {
  struct Case {
    MessageType type;
    std::string payload;
    std::string_view error;
  };
  const Case cases[] = {
      {MessageType::kSignal, R"({"container_id":"c","exec_id":"init"})", "Signal.signal: missing"},
      {MessageType::kSignal, R"({"container_id":"c","signal":9})", "Signal.exec_id: missing"},
      {MessageType::kSignal, R"({"container_id":"c","exec_id":"init","signal":"9"})", "Signal.signal: expected an integer, got string"},
      {MessageType::kSignal, R"({"container_id":"c","exec_id":"init","signal":9.0})", "Signal.signal: expected an integer, got a float"},
      {MessageType::kSignal, R"({"container_id":"c","exec_id":"init","signal":4294967305})", "Signal.signal: 4294967305 is out of range"},
      {MessageType::kSignal, R"({"container_id":"c","exec_id":"init","signal":-1})", "Signal.signal: -1 is outside 1..64"},
      {MessageType::kSignal, R"({"container_id":"c","exec_id":"init","signal":0})", "Signal.signal: 0 is outside 1..64"},
      {MessageType::kSignal, R"({"container_id":"c","exec_id":"init","signal":65})", "Signal.signal: 65 is outside 1..64"},
      {MessageType::kSignal, R"({"container_id":"c","exec_id":7,"signal":9})", "Signal.exec_id: expected a string, got number"},
      {MessageType::kSignal, R"({"container_id":"c","exec_id":"","signal":9})", "Signal.exec_id: must not be empty"},
      {MessageType::kSignal, R"({"container_id":"c","exec_id":"../etc","signal":9})", "Signal.exec_id: may hold only"},
      {MessageType::kSignal, R"({"container_id":"c","exec_id":"a\u0000b","signal":9})", "Signal.exec_id: may hold only"},
      {MessageType::kSignal, R"({"container_id":"c","exec_id":"init","signal":9,"pid":1})", "Signal.pid: unknown field"},
      {MessageType::kHello, R"({"version":1,"role":"guest"})", "Hello.role: unknown value \"guest\""},
      {MessageType::kHello, R"({"version":0,"role":"host"})", "Hello.version: 0 is outside"},
      {MessageType::kHello, R"({"version":70000,"role":"host"})", "Hello.version: 70000 is out of range"},
      {MessageType::kHello, R"({"role":"host"})", "Hello.version: missing"},
      {MessageType::kErrorReply, R"({"code":"oops","message":"m","exit_status":1})", "ErrorReply.code: unknown value"},
      {MessageType::kErrorReply, R"({"code":"internal","message":"","exit_status":1})", "ErrorReply.message: length 0"},
      {MessageType::kErrorReply, R"({"code":"internal","message":"m","exit_status":0})", "ErrorReply.exit_status: 0 is"},
      {MessageType::kErrorReply, R"({"code":"internal","message":"m","exit_status":256})", "ErrorReply.exit_status"},
      {MessageType::kCreateContainer, R"({"container_id":"c","hostname":""})", "CreateContainer.config: missing"},
      {MessageType::kCreateContainer, R"({"container_id":"c","config":[],"hostname":""})",
       "CreateContainer.config: expected an object, got array"},
      {MessageType::kCreateContainer,
       R"({"container_id":"c","config":{},"hostname":"0123456789012345678901234567890123456789012345678901234567890123X","shared_fs_tag":"","sandbox_id":""})",
       "CreateContainer.hostname: length 65"},
      {MessageType::kCreateContainer, R"({"container_id":"c","config":{},"hostname":"a\u0000","shared_fs_tag":"","sandbox_id":""})",
       "CreateContainer.hostname: contains a NUL"},
      {MessageType::kCreateContainer, R"({"container_id":"a b","config":{},"hostname":"","shared_fs_tag":"","sandbox_id":""})",
       "CreateContainer.container_id: may hold only"},
      {MessageType::kCreateContainer, R"({"container_id":"c","config":{},"hostname":""})",
       "CreateContainer.shared_fs_tag: missing"},
      {MessageType::kCreateContainer,
       R"({"container_id":"c","config":{},"hostname":"","shared_fs_tag":"0123456789012345678901234567890123456","sandbox_id":""})",
       "CreateContainer.shared_fs_tag: length 37"},
      {MessageType::kExec, R"({"container_id":"c","exec_id":"e","process":"ls"})", "Exec.process: expected an object, got string"},
      {MessageType::kExec, R"({"container_id":"c","exec_id":"init","process":{}})", "Exec.exec_id: \"init\" is the container's own"},
      {MessageType::kWait, R"({"container_id":"c","exec_id":null})", "Wait.exec_id: expected a string, got null"},
      {MessageType::kExited, R"({"container_id":"c","exec_id":"e","status":1,"signaled":true})", "Exited.status: 1 is outside 129..192"},
      {MessageType::kExited, R"({"container_id":"c","exec_id":"e","status":256,"signaled":false})", "Exited.status: 256 is outside 0..255"},
      {MessageType::kExited, R"({"container_id":"c","exec_id":"e","status":0,"signaled":"no"})", "Exited.signaled: expected a boolean"},
      {MessageType::kResize, R"({"container_id":"c","exec_id":"e","rows":0,"cols":80})", "Resize.rows: 0 is outside"},
      {MessageType::kResize, R"({"container_id":"c","exec_id":"e","rows":24,"cols":5000})", "Resize.cols: 5000 is outside"},
      {MessageType::kStart, R"({"container_id":"c","now":true})", "Start.now: unknown field"},
      {MessageType::kStart, R"({})", "Start.container_id: missing"},
      {MessageType::kWait, R"({"exec_id":"init"})", "Wait.container_id: missing"},
      {MessageType::kSignal, R"({"container_id":"a/b","exec_id":"init","signal":9})", "Signal.container_id: may hold only"},
      {MessageType::kCreateContainer, R"({"container_id":"c","config":{},"hostname":"","shared_fs_tag":""})",
       "CreateContainer.sandbox_id: missing"},
      {MessageType::kCreateContainer,
       R"({"container_id":"c","config":{},"hostname":"","shared_fs_tag":"","sandbox_id":"c"})",
       "CreateContainer.sandbox_id: names the container itself"},
      {MessageType::kRemoveContainer, R"({"container_id":""})", "RemoveContainer.container_id: must not be empty"},
      {MessageType::kRemoveContainer, R"({})", "RemoveContainer.container_id: missing"},
      {MessageType::kFreezeContainer, R"({"container_id":"m"})", "FreezeContainer.frozen: missing"},
      {MessageType::kFreezeContainer, R"({"container_id":"m","frozen":1})", "FreezeContainer.frozen"},
      {MessageType::kFreezeContainer, R"({"container_id":"","frozen":true})", "FreezeContainer.container_id: must not be empty"},
      {MessageType::kRestored, R"({"entropy":"00","realtime_ns":1})", "Restored.entropy: 1 is outside 32..512"},
      {MessageType::kRestored, R"({"entropy":"0","realtime_ns":1})", "Restored.entropy: expected lower-case hex digits, two per byte"},
      {MessageType::kRestored, R"({"entropy":"0G","realtime_ns":1})", "Restored.entropy: expected lower-case hex digits, two per byte"},
      {MessageType::kRestored, R"({"entropy":"AB","realtime_ns":1})", "Restored.entropy: expected lower-case hex digits, two per byte"},
      {MessageType::kRestored, R"({"entropy":"","realtime_ns":0})", "Restored.entropy: 0 is outside 32..512"},
      {MessageType::kRestored, R"({"entropy":")" + std::string(64, 'a') + R"(","realtime_ns":0})", "Restored.realtime_ns: 0 is outside"},
      {MessageType::kRestored, R"({"entropy":")" + std::string(64, 'a') + R"("})", "Restored.realtime_ns: missing"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.payload);
    EXPECT_ERROR(decode(frame_of(c.type, c.payload)), c.error);
  }
}

TEST(Codec, NetworkIsReadableJson) {
  const Frame frame = encode(testing::dual_stack_network());
  const nlohmann::json j = nlohmann::json::parse(frame.payload.begin(), frame.payload.end());
  EXPECT_EQ(j["interfaces"][0]["addresses"][1],
            nlohmann::json::parse(R"({"family":"ipv6","address":"fd00:1::2","prefix_len":64})"));
  EXPECT_EQ(j["interfaces"][0]["routes"][0], nlohmann::json::parse(R"({"family":"ipv4","destination":"0.0.0.0",
      "prefix_len":0,"gateway":"10.88.0.1","scope":"universe","metric":0})"));
}

// A Network payload with one interface whose JSON fields `edit` replaces or adds.
std::string network_with(const nlohmann::json& edit, const std::string& list = "", const nlohmann::json& item = nullptr) {
  nlohmann::json j = nlohmann::json::parse(R"({"interfaces":[{"name":"eth0","mac":"02:00:00:00:00:01","mtu":1500,
      "addresses":[{"family":"ipv4","address":"10.88.0.2","prefix_len":16}],
      "routes":[{"family":"ipv4","destination":"0.0.0.0","prefix_len":0,"gateway":"10.88.0.1","scope":"universe","metric":0}]}]})");
  if (!edit.is_null()) j["interfaces"][0].update(edit);
  if (!list.empty()) j["interfaces"][0][list][0].update(item);
  return j.dump();
}

TEST(Codec, NetworkFieldsAreChecked) {
  using nlohmann::json;
  const std::pair<std::string, std::string_view> cases[] = {
      {R"({"interfaces":[]})", "Network.interfaces: 0 is outside 1..8"},
      {R"({})", "Network.interfaces: missing"},
      {R"({"interfaces":{}})", "Network.interfaces: expected an array, got object"},
      {R"({"interfaces":[1]})", "Network.interfaces[0]: expected an object, got number"},
      {R"({"interfaces":[{},{},{},{},{},{},{},{},{}]})", "Network.interfaces: 9 elements, the limit is 8"},
      {network_with({{"speed", 1}}), "Network.interfaces[0].speed: unknown field"},
      {network_with({{"name", ""}}), "Network.interfaces[0].name: length 0"},
      {network_with({{"name", "a-name-of-16-ch."}}), "Network.interfaces[0].name: length 16"},
      {network_with({{"name", "eth/0"}}), "Network.interfaces[0].name: \"eth/0\" is not an interface name"},
      {network_with({{"name", ".."}}), "Network.interfaces[0].name: \"..\" is not"},
      {network_with({{"mac", "02:00:00:00:00:0G"}}), "Network.interfaces[0].mac: \"02:00:00:00:00:0G\" is not a MAC"},
      {network_with({{"mac", "02:00:00:00:00:01:"}}), "Network.interfaces[0].mac: \"02:00:00:00:00:01:\" is not"},
      {network_with({{"mac", "02:00:00:00:00:AB"}}), "is not a MAC address"},
      {network_with({{"mac", "01:00:5e:00:00:01"}}), "Network.interfaces[0].mac: 01:00:5e:00:00:01 is a multicast"},
      {network_with({{"mac", "00:00:00:00:00:00"}}), "Network.interfaces[0].mac: the MAC address is all zeros"},
      {network_with({{"mtu", 67}}), "Network.interfaces[0].mtu: 67 is outside 68..65535"},
      {network_with({{"mtu", 65536}}), "Network.interfaces[0].mtu: 65536 is outside"},
      {network_with({{"addresses", json::array({json::object()})}}), "Network.interfaces[0].addresses[0].family: missing"},
      {network_with({}, "addresses", {{"family", "ipx"}}), "Network.interfaces[0].addresses[0].family: unknown value \"ipx\""},
      {network_with({}, "addresses", {{"address", "10.88.0"}}), "addresses[0].address: \"10.88.0\" is not an IPv4 address"},
      {network_with({}, "addresses", {{"family", "ipv6"}}), "addresses[0].address: \"10.88.0.2\" is not an IPv6 address"},
      {network_with({}, "addresses", {{"prefix_len", 33}}), "addresses[0].prefix_len: 33 is outside 0..32"},
      {network_with({}, "addresses", {{"prefix_len", -1}}), "addresses[0].prefix_len: -1 is outside"},
      {network_with({}, "routes", {{"destination", "10.88.0.1"}, {"prefix_len", 16}}),
       "Network.interfaces[0].routes[0].destination: 10.88.0.1 has bits set beyond /16"},
      {network_with({}, "routes", {{"gateway", "fd00::1"}}), "routes[0].gateway: \"fd00::1\" is not an IPv4 address"},
      {network_with({}, "routes", {{"scope", "link"}}), "routes[0].scope: a route through a gateway has scope universe"},
      {network_with({}, "routes", {{"scope", "host"}}), "routes[0].scope: unknown value \"host\""},
      {network_with({}, "routes", {{"metric", -1}}), "routes[0].metric: -1 is out of range"},
      {network_with({}, "routes", {{"table", 254}}), "Network.interfaces[0].routes[0].table: unknown field"},
      {network_with({{"routes", json::array({json::object()})}}), "Network.interfaces[0].routes[0].family: missing"},
  };
  for (const auto& [payload, error] : cases) {
    SCOPED_TRACE(payload);
    EXPECT_ERROR(decode(frame_of(MessageType::kNetwork, payload)), error);
  }
}

TEST(Codec, NetworkCountsAreBounded) {
  Network network = testing::largest_network();
  EXPECT_EQ(decode(encode(network)), Message(network));
  network.interfaces[0].addresses.push_back(network.interfaces[0].addresses[0]);
  EXPECT_ERROR(encode(network), "Network.interfaces[0].addresses: 33 is outside 0..32");
  network = testing::largest_network();
  network.interfaces[1].routes.push_back(network.interfaces[1].routes[0]);
  EXPECT_ERROR(encode(network), "Network.interfaces[1].routes: 65 is outside 0..64");
  network = testing::largest_network();
  network.interfaces[1].mac = network.interfaces[0].mac;
  EXPECT_ERROR(encode(network), "Network.interfaces[1].mac: 02:00:00:00:00:10 is given twice");
  network = testing::largest_network();
  network.interfaces[2].name = network.interfaces[0].name;
  EXPECT_ERROR(encode(network), "Network.interfaces[2].name: \"veth-with-15-c0\" is named twice");
}

TEST(Codec, IdLengthIsBounded) {
  const std::string longest(kMaxIdLength, 'a');
  EXPECT_EQ(decode(encode(Wait{longest, longest})), Message(Wait{longest, longest}));
  const std::string payload = R"({"container_id":"c","exec_id":")" + longest + R"(a"})";
  EXPECT_ERROR(decode(frame_of(MessageType::kWait, payload)), "Wait.exec_id: 257 bytes, the limit is 256");
  const std::string container = R"({"container_id":")" + longest + R"(a","exec_id":"e"})";
  EXPECT_ERROR(decode(frame_of(MessageType::kWait, container)), "Wait.container_id: 257 bytes, the limit is 256");
}

TEST(Codec, MalformedJsonIsRefused) {
  EXPECT_ERROR(decode(frame_of(MessageType::kExec, "{not json")), "Exec: malformed JSON");
  EXPECT_ERROR(decode(frame_of(MessageType::kOk, "")), "Ok: malformed JSON");
  EXPECT_ERROR(decode(frame_of(MessageType::kOk, "{} {}")), "Ok: malformed JSON");
  EXPECT_ERROR(decode(frame_of(MessageType::kWait, "{\"container_id\":\"c\",\"exec_id\":\"\xff\"}")),
               "Wait: malformed JSON");
  EXPECT_ERROR(decode(frame_of(MessageType::kWait, "[\"init\"]")), "Wait: payload must be a JSON object, got array");
  EXPECT_ERROR(decode(frame_of(MessageType::kShutdown, "null")), "Shutdown: payload must be a JSON object");
}

TEST(Codec, JsonDepthIsBounded) {
  // kMaxJsonDepth levels pass the parser (and then fail as a non-object), one more does not.
  const auto nested = [](int levels) { return std::string(levels, '[') + std::string(levels, ']'); };
  EXPECT_ERROR(decode(frame_of(MessageType::kOk, nested(kMaxJsonDepth))), "Ok: payload must be a JSON object");
  EXPECT_ERROR(decode(frame_of(MessageType::kOk, nested(kMaxJsonDepth + 1))), "Ok: JSON nested deeper than 64");
  const std::string deep = R"({"container_id":"c","exec_id":"e","process":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
  EXPECT_ERROR(decode(frame_of(MessageType::kExec, deep)), "Exec: JSON nested deeper");
}

TEST(Codec, StdioPayloadsAreChecked) {
  using T = MessageType;
  EXPECT_ERROR(decode(stdio_frame(T::kStdioData, {1, 0})), "StdioData.exec_id: payload too short");
  EXPECT_ERROR(decode(stdio_frame(T::kStdioData, stdio_payload(3, "e", {1}))), "StdioData.stream: unknown stream 3");
  EXPECT_ERROR(decode(stdio_frame(T::kStdioData, {1, 0, 10, 'a', 'b'})), "StdioData.exec_id: declares 10 bytes");
  EXPECT_ERROR(decode(stdio_frame(T::kStdioData, stdio_payload(1, "", {1}))), "StdioData.exec_id: must not be empty");
  EXPECT_ERROR(decode(stdio_frame(T::kStdioData, stdio_payload(1, "a/b", {1}))), "StdioData.exec_id: may hold only");
  EXPECT_ERROR(decode(stdio_frame(T::kStdioData, stdio_payload(1, "e", {}))), "StdioData.data: 0 is outside 1..65536");
  EXPECT_ERROR(decode(stdio_frame(T::kStdioData, stdio_payload(1, "e", std::vector<uint8_t>(kMaxStdioChunk + 1)))),
               "StdioData.data: 65537 is outside");
  EXPECT_ERROR(decode(stdio_frame(T::kStdioClose, stdio_payload(0, "e", {0}))), "StdioClose.exec_id: 1 bytes follow");
  EXPECT_ERROR(decode(stdio_frame(T::kStdioWindow, stdio_payload(1, "e", {0, 1, 0}))),
               "StdioWindow.bytes: expected 4 bytes, got 3");
  EXPECT_ERROR(decode(stdio_frame(T::kStdioWindow, stdio_payload(1, "e", {0, 0, 0, 0}))),
               "StdioWindow.bytes: 0 is outside");
  EXPECT_ERROR(decode(stdio_frame(T::kStdioWindow, stdio_payload(1, "e", {0, 4, 0, 1}))),
               "StdioWindow.bytes: 262145 is outside 1..262144");
}

TEST(Codec, UnknownOrOversizedFramesAreRefused) {
  EXPECT_ERROR(decode(Frame{static_cast<MessageType>(99), {}}), "unknown message type 99");
  EXPECT_ERROR(decode(Frame{static_cast<MessageType>(0), {}}), "unknown message type 0");
  EXPECT_ERROR(decode(Frame{MessageType::kOk, std::vector<uint8_t>(kMaxControlPayload + 1, ' ')}),
               "Ok: payload of 1048577 bytes exceeds the limit of 1048576");
}

TEST(Codec, EncodeRefusesWhatDecodeWouldRefuse) {
  EXPECT_ERROR(encode(Signal{"c", "init", 0}), "Signal.signal: 0 is outside 1..64");
  EXPECT_ERROR(encode(Exec{"c", "init", nlohmann::json::object()}), "Exec.exec_id");
  EXPECT_ERROR(encode(Exec{"c", "e", nlohmann::json::array()}), "Exec.process: must be a JSON object");
  EXPECT_ERROR(encode(Start{""}), "Start.container_id: must not be empty");
  EXPECT_ERROR(encode(Wait{"a/b", "init"}), "Wait.container_id: may hold only");
  EXPECT_ERROR(encode(RemoveContainer{"../x"}), "RemoveContainer.container_id: may hold only");
  EXPECT_ERROR(encode(CreateContainer{"c", nlohmann::json::object(), "", "", "c"}),
               "CreateContainer.sandbox_id: names the container itself");
  EXPECT_ERROR(encode(CreateContainer{"c", nlohmann::json::object(), "", "", "s/x"}),
               "CreateContainer.sandbox_id: may hold only");
  EXPECT_ERROR(encode(Hello{0, Role::kHost}), "Hello.version");
  EXPECT_ERROR(encode(Hello{1, static_cast<Role>(7)}), "Hello.role");
  EXPECT_ERROR(encode(StdioData{"e", StdioStream::kStdout, {}}), "StdioData.data");
  EXPECT_ERROR(encode(StdioClose{"e", static_cast<StdioStream>(3)}), "StdioClose.stream");
  EXPECT_ERROR(encode(Exited{"c", "e", 9, true}), "Exited.status");
  EXPECT_ERROR(encode(ErrorReply{ErrorCode::kInternal, "m", 0}), "ErrorReply.exit_status");
  EXPECT_ERROR(encode(CreateContainer{"c", {{"env", std::string(kMaxControlPayload, 'e')}}, ""}),
               "CreateContainer: payload of");
}

TEST(Codec, InvalidUtf8IsReplacedOnEncode) {
  // An error message may quote a file name that is not UTF-8; it still reaches the host.
  const ErrorReply sent{ErrorCode::kExecFailed, "exec: \"\xff\": permission denied", 126};
  const Message received = decode(encode(sent));
  EXPECT_EQ(std::get<ErrorReply>(received).message, "exec: \"\xef\xbf\xbd\": permission denied");
  EXPECT_EQ(std::get<ErrorReply>(received).exit_status, 126);
}

}  // namespace
}  // namespace ppc::protocol
