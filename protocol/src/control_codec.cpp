#include "control_codec.h"

#include <array>
#include <string>
#include <utility>

#include "base/error.h"
#include "base/hex.h"
#include "checks.h"
#include "json_reader.h"
#include "network_codec.h"

namespace ppc::protocol::detail {
namespace {

using nlohmann::json;

// Enums travel as words, indexed by their value, so a log of the JSON reads on its own.
constexpr std::array<std::string_view, 2> kRoles = {"host", "agent"};
constexpr std::array<std::string_view, 5> kErrorCodes = {"invalid_request", "not_found", "already_exists",
                                                         "exec_failed", "internal"};

struct ToJson {
  json operator()(const Hello& m) const {
    return {{"version", m.version}, {"role", kRoles.at(static_cast<size_t>(m.role))}};
  }
  json operator()(const Ok&) const { return json::object(); }
  json operator()(const ErrorReply& m) const {
    return {{"code", kErrorCodes.at(static_cast<size_t>(m.code))}, {"message", m.message}, {"exit_status", m.exit_status}};
  }
  json operator()(const CreateContainer& m) const {
    return {{"container_id", m.container_id}, {"config", m.config}, {"hostname", m.hostname},
            {"shared_fs_tag", m.shared_fs_tag}, {"sandbox_id", m.sandbox_id}};
  }
  json operator()(const Start& m) const { return {{"container_id", m.container_id}}; }
  json operator()(const Signal& m) const {
    return {{"container_id", m.container_id}, {"exec_id", m.exec_id}, {"signal", m.signal}};
  }
  json operator()(const Exec& m) const {
    return {{"container_id", m.container_id}, {"exec_id", m.exec_id}, {"process", m.process}};
  }
  json operator()(const Wait& m) const { return {{"container_id", m.container_id}, {"exec_id", m.exec_id}}; }
  json operator()(const Exited& m) const {
    return {{"container_id", m.container_id}, {"exec_id", m.exec_id}, {"status", m.status}, {"signaled", m.signaled}};
  }
  json operator()(const Resize& m) const {
    return {{"container_id", m.container_id}, {"exec_id", m.exec_id}, {"rows", m.rows}, {"cols", m.cols}};
  }
  json operator()(const RemoveContainer& m) const { return {{"container_id", m.container_id}}; }
  json operator()(const FreezeContainer& m) const { return {{"container_id", m.container_id}, {"frozen", m.frozen}}; }
  json operator()(const Shutdown&) const { return json::object(); }
  json operator()(const Restored& m) const { return {{"entropy", hex_bytes(m.entropy)}, {"realtime_ns", m.realtime_ns}}; }
  json operator()(const Network& m) const { return network_to_json(m); }
  // Stdio messages never reach here: codec.cpp routes them to stdio_codec.
  json operator()(const StdioData&) const { throw Error("StdioData is not a control message"); }
  json operator()(const StdioClose&) const { throw Error("StdioClose is not a control message"); }
  json operator()(const StdioWindow&) const { throw Error("StdioWindow is not a control message"); }
};

// A message about one process: its container's id and its exec id first.
template <typename M>
M addressed(JsonReader& in) {
  M m;
  m.container_id = in.string("container_id");
  m.exec_id = in.string("exec_id");
  return m;
}

Hello read_hello(JsonReader& in) {
  Hello m;
  m.version = in.integer<uint16_t>("version");
  m.role = in.word<Role>("role", kRoles);
  return m;
}

ErrorReply read_error_reply(JsonReader& in) {
  ErrorReply m;
  m.code = in.word<ErrorCode>("code", kErrorCodes);
  m.message = in.string("message");
  m.exit_status = in.integer<int>("exit_status");
  return m;
}

Restored read_restored(std::string_view name, JsonReader& in) {
  Restored m;
  auto entropy = bytes_from_hex(in.string("entropy"));
  if (!entropy) fail_field(name, "entropy", "expected lower-case hex digits, two per byte");
  m.entropy = std::move(*entropy);
  m.realtime_ns = in.integer<int64_t>("realtime_ns");
  return m;
}

Message read_fields(MessageType type, std::string_view name, JsonReader& in) {
  switch (type) {
    case MessageType::kHello: return read_hello(in);
    case MessageType::kOk: return Ok{};
    case MessageType::kErrorReply: return read_error_reply(in);
    case MessageType::kCreateContainer: {
      CreateContainer m;
      m.container_id = in.string("container_id");
      m.config = in.object("config");
      m.hostname = in.string("hostname");
      m.shared_fs_tag = in.string("shared_fs_tag");
      m.sandbox_id = in.string("sandbox_id");
      return m;
    }
    case MessageType::kStart: return Start{in.string("container_id")};
    case MessageType::kSignal: {
      auto m = addressed<Signal>(in);
      m.signal = in.integer<int>("signal");
      return m;
    }
    case MessageType::kExec: {
      auto m = addressed<Exec>(in);
      m.process = in.object("process");
      return m;
    }
    case MessageType::kWait: return addressed<Wait>(in);
    case MessageType::kExited: {
      auto m = addressed<Exited>(in);
      m.status = in.integer<int>("status");
      m.signaled = in.boolean("signaled");
      return m;
    }
    case MessageType::kResize: {
      auto m = addressed<Resize>(in);
      m.rows = in.integer<int>("rows");
      m.cols = in.integer<int>("cols");
      return m;
    }
    case MessageType::kRemoveContainer: return RemoveContainer{in.string("container_id")};
    // A braced list is evaluated left to right: the fields are read in their order.
    case MessageType::kFreezeContainer: return FreezeContainer{in.string("container_id"), in.boolean("frozen")};
    case MessageType::kShutdown: return Shutdown{};
    case MessageType::kRestored: return read_restored(name, in);
    case MessageType::kNetwork: return read_network(in);
    case MessageType::kStdioData:
    case MessageType::kStdioClose:
    case MessageType::kStdioWindow: break;
  }
  throw Error(std::string(name) + " is not a control message");
}

}  // namespace

std::vector<uint8_t> encode_control(const Message& message) {
  // Invalid UTF-8 (a file name in an error message, say) becomes U+FFFD rather than an
  // exception: the receiver's parser accepts only UTF-8.
  const std::string text = std::visit(ToJson{}, message).dump(-1, ' ', false, json::error_handler_t::replace);
  return {text.begin(), text.end()};
}

Message decode_control(MessageType type, std::span<const uint8_t> payload) {
  const std::string_view name = message_type_name(type);
  JsonReader in(name, payload);
  Message message = read_fields(type, name, in);
  in.finish();
  return message;
}

}  // namespace ppc::protocol::detail
