// libFuzzer target: the two one-line protocols around the VMM. Byte 0 picks one, the rest is
// the line (newline stripped):
//   even: the ready line the shim reads from the VMM (base/ready_line.h), whose message may
//         carry the guest's words (the agent's error, relayed): a report must have a status
//         of 1..255 and a non-empty message without control characters, and a message
//         encoded by encode_ready_error must come back as it went (line breaks as spaces);
//   odd:  the "CONNECT <port>" line a host client sends the hybrid vsock listener
//         (vsock_listener.h): accepted exactly when it is "CONNECT " and 1..10 decimal digits
//         of a value below 2^32, and then with that value.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "base/printable.h"
#include "base/ready_line.h"
#include "virtio/vsock_listener.h"

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "line_fuzzer: %s\n", what);
  std::abort();
}

bool has_control(std::string_view s) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return true;
  }
  return false;
}

void check_ready(std::string_view line) {
  const std::optional<ppc::ReadyReport> report = ppc::decode_ready_line(line);
  if (report && !report->ok) {
    if (report->status < 1 || report->status > 255) fail("status outside 1..255");
    if (report->message.empty()) fail("empty message");
    if (has_control(report->message)) fail("a control character reached the message");
  }
  if (report && report->ok && line != "ok") fail("ok from another line");
  // Whatever the message, encoding and decoding keeps it (line breaks as spaces), escaped.
  const int status = line.empty() ? 1 : static_cast<unsigned char>(line[0]);
  const std::string encoded = ppc::encode_ready_error(status, line);
  if (encoded.find('\n') != encoded.size() - 1) fail("an encoded report is not one line");
  const std::optional<ppc::ReadyReport> back = ppc::decode_ready_line(std::string_view(encoded).substr(0, encoded.size() - 1));
  if (!back || back->ok || back->status != (status == 0 ? 1 : status)) fail("an encoded report does not decode");
  std::string expected;
  for (const char c : line) expected.push_back(c == '\n' || c == '\r' ? ' ' : c);
  // Leading spaces separate status and message: they do not survive, as documented.
  expected.erase(0, expected.find_first_not_of(' ') == std::string::npos ? expected.size() : expected.find_first_not_of(' '));
  if (!expected.empty() && back->message != ppc::printable(expected)) fail("the message changed on its way");
}

void check_connect(std::string_view line) {
  std::optional<uint64_t> expected;
  constexpr std::string_view kVerb = "CONNECT ";
  if (line.starts_with(kVerb) && line.size() > kVerb.size() && line.size() - kVerb.size() <= 10) {
    uint64_t value = 0;
    bool digits = true;
    for (const char c : line.substr(kVerb.size())) {
      digits = digits && c >= '0' && c <= '9';
      value = value * 10 + static_cast<uint64_t>(c - '0');
    }
    if (digits && value <= 0xffffffffull) expected = value;
  }
  const std::optional<uint32_t> port = ppc::vmm::vsock::parse_connect_line(line);
  if (port.has_value() != expected.has_value()) fail(port ? "a bad CONNECT line accepted" : "a good CONNECT line refused");
  if (port && *port != *expected) fail("CONNECT parsed to another port");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view line(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) check_ready(line);
  else check_connect(line);
  return 0;
}
