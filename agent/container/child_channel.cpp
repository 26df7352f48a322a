#include "container/child_channel.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>

#include "base/error.h"
#include "base/fd_passing.h"

namespace ppc::agent {
namespace {

// One SOCK_SEQPACKET message per report: a kind byte, a 32-bit status, then the text.
constexpr char kReady = 'R', kError = 'E', kTerminal = 'T', kSharedMount = 'M', kStart = 'S';
constexpr size_t kMaxReport = 4096;

void send_packet(int channel, std::string_view packet, int fd_to_pass) {
  try {
    send_message_with_fd(channel, packet, fd_to_pass, "reporting to the agent");
  } catch (const Error&) {
    // The agent's end is gone (the agent died): there is nobody left to tell.
  }
}

}  // namespace

void report_ready(int channel) { send_packet(channel, {&kReady, 1}, -1); }

void report_error(int channel, int exit_status, const std::string& message) {
  std::string packet(1, kError);
  const int32_t status = exit_status;
  packet.append(reinterpret_cast<const char*>(&status), sizeof status);
  packet.append(message.substr(0, kMaxReport - packet.size()));
  send_packet(channel, packet, -1);
}

void report_terminal(int channel, int master_fd) { send_packet(channel, {&kTerminal, 1}, master_fd); }

void report_shared_mount(int channel, int mount_fd) { send_packet(channel, {&kSharedMount, 1}, mount_fd); }

bool wait_for_start(int channel) {
  char byte = 0;
  for (;;) {
    const ssize_t n = ::recv(channel, &byte, 1, 0);
    if (n < 0 && errno == EINTR) continue;
    return n == 1 && byte == kStart;
  }
}

ChildReport read_report(int channel) {
  char buffer[kMaxReport];
  MessageWithFd message = receive_message_with_fd(channel, buffer, "reading the child's report");
  const auto n = static_cast<ssize_t>(message.size);
  ChildReport report;
  if (n == 0) {
    report.kind = ChildReport::Kind::kExecuted;
    return report;
  }
  switch (buffer[0]) {
    case kReady:
      report.kind = ChildReport::Kind::kReady;
      return report;
    case kError: {
      report.kind = ChildReport::Kind::kError;
      int32_t status = 1;
      if (n >= static_cast<ssize_t>(1 + sizeof status)) {
        std::memcpy(&status, buffer + 1, sizeof status);
        report.message.assign(buffer + 1 + sizeof status, static_cast<size_t>(n) - 1 - sizeof status);
      }
      report.exit_status = status;
      return report;
    }
    case kTerminal: {
      report.kind = ChildReport::Kind::kTerminal;
      if (!message.fd.valid()) throw Error("child sent a terminal without its fd");
      report.terminal = std::move(message.fd);
      return report;
    }
    case kSharedMount: {
      report.kind = ChildReport::Kind::kSharedMount;
      if (!message.fd.valid()) throw Error("child sent a shared mount without its fd");
      report.mount = std::move(message.fd);
      return report;
    }
    default:
      throw Error("child sent an unknown report");
  }
}

void send_start(int channel) {
  if (::send(channel, &kStart, 1, MSG_NOSIGNAL) != 1) throw_errno("telling the child to start");
}

}  // namespace ppc::agent
