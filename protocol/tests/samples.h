#pragma once
// One or more filled-in messages of every type, shared by the codec, decoder and
// connection tests.
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/limits.h"
#include "protocol/messages.h"

namespace ppc::protocol::testing {

inline std::vector<uint8_t> every_byte_value() {
  std::vector<uint8_t> bytes(256);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i);
  return bytes;
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
      Start{},
      Signal{std::string(kInitExecId), 15},
      Signal{"exec-7", 64},
      Exec{"exec-7", nlohmann::json::parse(R"({"args": ["ls", "-l"], "cwd": "/", "terminal": true})")},
      Wait{std::string(kInitExecId)},
      Exited{"exec-7", 0, false},
      Exited{std::string(kInitExecId), 137, true},
      Resize{"exec-7", 24, 80},
      Shutdown{},
      StdioData{"exec-7", StdioStream::kStdin, every_byte_value()},
      StdioData{std::string(kInitExecId), StdioStream::kStderr, {'\n'}},
      StdioClose{"exec-7", StdioStream::kStdin},
      StdioWindow{std::string(kInitExecId), StdioStream::kStdout, static_cast<uint32_t>(kStdioWindow)},
  };
}

// small_samples() plus the largest messages the limits allow.
inline std::vector<Message> all_samples() {
  std::vector<Message> samples = small_samples();
  std::vector<uint8_t> chunk(kMaxStdioChunk);
  for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<uint8_t>(i * 7 + 3);
  samples.push_back(StdioData{std::string(kMaxIdLength, 'x'), StdioStream::kStdout, chunk});
  samples.push_back(CreateContainer{"big", {{"process", {{"env", {std::string(kMaxControlPayload - 200, 'e')}}}}}, ""});
  return samples;
}

}  // namespace ppc::protocol::testing
