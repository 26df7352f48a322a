#include "container/child_channel.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "base/error.h"

namespace ppc::agent {
namespace {

// One SOCK_SEQPACKET message per report: a kind byte, a 32-bit status, then the text.
constexpr char kReady = 'R', kError = 'E', kTerminal = 'T', kStart = 'S';
constexpr size_t kMaxReport = 4096;

void send_packet(int channel, const void* data, size_t size, int fd_to_pass) {
  iovec iov{const_cast<void*>(data), size};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  if (fd_to_pass >= 0) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(cmsg), &fd_to_pass, sizeof(int));
  }
  while (::sendmsg(channel, &msg, MSG_NOSIGNAL) < 0 && errno == EINTR) {
  }
}

}  // namespace

void report_ready(int channel) { send_packet(channel, &kReady, 1, -1); }

void report_error(int channel, int exit_status, const std::string& message) {
  std::string packet(1, kError);
  const int32_t status = exit_status;
  packet.append(reinterpret_cast<const char*>(&status), sizeof status);
  packet.append(message.substr(0, kMaxReport - packet.size()));
  send_packet(channel, packet.data(), packet.size(), -1);
}

void report_terminal(int channel, int master_fd) { send_packet(channel, &kTerminal, 1, master_fd); }

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
  iovec iov{buffer, sizeof buffer};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  while ((n = ::recvmsg(channel, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
  }
  if (n < 0) throw_errno("reading the child's report");
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
      cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
      if (cmsg == nullptr || cmsg->cmsg_type != SCM_RIGHTS) throw Error("child sent a terminal without its fd");
      int fd;
      std::memcpy(&fd, CMSG_DATA(cmsg), sizeof fd);
      report.terminal = UniqueFd(fd);
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
