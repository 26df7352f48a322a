#include "validate.h"

#include "checks.h"
#include "network_checks.h"
#include "protocol/limits.h"

namespace ppc::protocol::detail {
namespace {

void check_stream(std::string_view message, StdioStream stream) {
  check_range(message, "stream", static_cast<int64_t>(stream), 0, static_cast<int64_t>(StdioStream::kStderr));
}

struct Validate {
  void operator()(const Hello& m) const {
    check_range("Hello", "version", m.version, 1, 0xffff);
    check_range("Hello", "role", static_cast<int64_t>(m.role), 0, static_cast<int64_t>(Role::kAgent));
  }
  void operator()(const Ok&) const {}
  void operator()(const ErrorReply& m) const {
    check_range("ErrorReply", "code", static_cast<int64_t>(m.code), 0, static_cast<int64_t>(ErrorCode::kInternal));
    check_text("ErrorReply", "message", m.message, 1, kMaxErrorMessageLength);
    check_range("ErrorReply", "exit_status", m.exit_status, 1, 255);
  }
  void operator()(const CreateContainer& m) const {
    check_id("CreateContainer", "container_id", m.container_id);
    if (!m.config.is_object()) fail_field("CreateContainer", "config", "must be a JSON object");
    check_text("CreateContainer", "hostname", m.hostname, 0, kMaxHostnameLength);
    check_text("CreateContainer", "shared_fs_tag", m.shared_fs_tag, 0, kMaxSharedFsTagLength);
    if (!m.sandbox_id.empty()) {
      check_id("CreateContainer", "sandbox_id", m.sandbox_id);
      if (m.sandbox_id == m.container_id) fail_field("CreateContainer", "sandbox_id", "names the container itself");
    }
  }
  void operator()(const Start& m) const { check_id("Start", "container_id", m.container_id); }
  void operator()(const Signal& m) const {
    check_id("Signal", "container_id", m.container_id);
    check_id("Signal", "exec_id", m.exec_id);
    check_range("Signal", "signal", m.signal, 1, kMaxSignal);
  }
  void operator()(const Exec& m) const {
    check_id("Exec", "container_id", m.container_id);
    check_id("Exec", "exec_id", m.exec_id);
    if (m.exec_id == kInitExecId) fail_field("Exec", "exec_id", "\"init\" is the container's own process");
    if (!m.process.is_object()) fail_field("Exec", "process", "must be a JSON object");
  }
  void operator()(const Wait& m) const {
    check_id("Wait", "container_id", m.container_id);
    check_id("Wait", "exec_id", m.exec_id);
  }
  void operator()(const Exited& m) const {
    check_id("Exited", "container_id", m.container_id);
    check_id("Exited", "exec_id", m.exec_id);
    // A killed process reports 128 + its signal, so only that band can be signaled.
    if (m.signaled) {
      check_range("Exited", "status", m.status, 128 + 1, 128 + kMaxSignal);
    } else {
      check_range("Exited", "status", m.status, 0, 255);
    }
  }
  void operator()(const Resize& m) const {
    check_id("Resize", "container_id", m.container_id);
    check_id("Resize", "exec_id", m.exec_id);
    check_range("Resize", "rows", m.rows, 1, kMaxTerminalDimension);
    check_range("Resize", "cols", m.cols, 1, kMaxTerminalDimension);
  }
  void operator()(const RemoveContainer& m) const { check_id("RemoveContainer", "container_id", m.container_id); }
  void operator()(const FreezeContainer& m) const { check_id("FreezeContainer", "container_id", m.container_id); }
  void operator()(const Shutdown&) const {}
  void operator()(const Restored& m) const {
    check_range("Restored", "entropy", static_cast<int64_t>(m.entropy.size()), kMinRestoreEntropy, kMaxRestoreEntropy);
    check_range("Restored", "realtime_ns", m.realtime_ns, 1, INT64_MAX);
  }
  void operator()(const Network& m) const { check_network(m); }
  void operator()(const StdioData& m) const {
    check_id("StdioData", "exec_id", m.exec_id);
    check_stream("StdioData", m.stream);
    // Empty data would say nothing: end of stream is StdioClose.
    check_range("StdioData", "data", static_cast<int64_t>(m.data.size()), 1, kMaxStdioChunk);
  }
  void operator()(const StdioClose& m) const {
    check_id("StdioClose", "exec_id", m.exec_id);
    check_stream("StdioClose", m.stream);
  }
  void operator()(const StdioWindow& m) const {
    check_id("StdioWindow", "exec_id", m.exec_id);
    check_stream("StdioWindow", m.stream);
    check_range("StdioWindow", "bytes", m.bytes, 1, kStdioWindow);
  }
};

}  // namespace

void validate(const Message& message) { std::visit(Validate{}, message); }

}  // namespace ppc::protocol::detail
