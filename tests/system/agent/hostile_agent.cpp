// A hostile guest agent: /init of a guest that answers the host's agent connection as a
// compromised guest could. It speaks the protocol's Hello properly, reads the CreateContainer
// and then attacks in the mode named by the container's last process argument:
//   huge         a frame header that claims 4 GiB of payload, then junk
//   garbage      endless bytes that are no frame at all
//   escape       an ErrorReply whose message is terminal escape sequences
//   stdio-flood  Ok, then the main process's stdout in 64 KiB chunks, ignoring the credit the
//                host gave (its window is kStdioWindow)
//   unsolicited  Ok, then endless replies nobody asked for
// The first three refuse the create; the last two answer it with Ok and attack on the same
// connection once a second one (the shim's start) arrives, which gets its Ok too. It never exits:
// it is PID 1, and the host must stop the VM. The system case guest_control checks what the
// host does about each (tests/system/cases/guest_control.sh).
#include <sys/socket.h>
// After sys/socket.h: it needs sockaddr.
#include <linux/vm_sockets.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "protocol/agent_port.h"
#include "protocol/codec.h"
#include "protocol/connection.h"
#include "protocol/frame.h"
#include "protocol/limits.h"

namespace {

using namespace ppc::protocol;

void say(const std::string& text) {
  std::fprintf(stderr, "hostile-agent: %s\n", text.c_str());
}

// Writes `bytes` until the host stops reading or closes: the host decides when this ends.
void write_forever(int fd, const std::vector<uint8_t>& bytes) {
  size_t total = 0;
  for (;;) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n <= 0) break;
    total += static_cast<size_t>(n);
  }
  say("the host stopped reading after " + std::to_string(total) + " bytes");
}

std::vector<uint8_t> huge_header() {
  std::vector<uint8_t> h = {kMagic[0], kMagic[1], 0, static_cast<uint8_t>(kVersion), 0xff, 0xff, 0xff, 0xff,
                            static_cast<uint8_t>(MessageType::kOk)};
  h.resize(h.size() + 64 * 1024, 0x41);
  return h;
}

std::string escape_message() {
  std::string m = "\x1b]0;owned by the guest\x07\x1b[2J\x1b[H";
  while (m.size() + 16 < kMaxErrorMessageLength) m += "\x1b[31mRED\x1b[0m\r";
  return m;
}

void flood_stdio(Connection& c) {
  StdioData chunk{std::string(kInitExecId), StdioStream::kStdout, std::vector<uint8_t>(kMaxStdioChunk, 'x')};
  size_t sent = 0;
  try {
    for (;;) {
      c.send(chunk);
      sent += chunk.data.size();
    }
  } catch (const std::exception& e) {
    say("stdio flood ended after " + std::to_string(sent) + " bytes: " + e.what());
  }
}

void flood_replies(Connection& c) {
  size_t sent = 0;
  try {
    for (;;) {
      c.send(Exited{"ghost", "ghost" + std::to_string(sent % 1000), 0, false});
      c.send(Ok{});
      sent += 2;
    }
  } catch (const std::exception& e) {
    say("reply flood ended after " + std::to_string(sent) + " frames: " + e.what());
  }
}

std::string mode_of(const CreateContainer& create) {
  const auto& args = create.config.at("process").at("args");
  return args.empty() ? std::string() : args.back().get<std::string>();
}

// The modes that refuse the create itself.
bool attack_at_create(Connection& c, const std::string& mode) {
  if (mode == "huge") {
    write_forever(c.fd(), huge_header());
  } else if (mode == "garbage") {
    write_forever(c.fd(), std::vector<uint8_t>(64 * 1024, 0xaa));
  } else if (mode == "escape") {
    c.send(ErrorReply{ErrorCode::kInternal, escape_message(), 1});
  } else {
    return false;
  }
  return true;
}

// The modes that let the create succeed and attack the host's relay once the container
// is started: then the shim has recorded the container and must clean up after the VM.
void attack_after_start(Connection& c, const std::string& mode) {
  if (mode == "stdio-flood") return flood_stdio(c);
  if (mode == "unsolicited") return flood_replies(c);
  say("unknown mode " + mode);
}

// The first connection brings the CreateContainer and stays open (the host's relay waits on
// it); the next one (the shim's start) sets off the attack on the first.
class Attacker {
 public:
  void serve(ppc::UniqueFd fd) {
    auto c = std::make_unique<Connection>(std::move(fd));
    const auto hello = c->receive();
    if (!hello || !std::holds_alternative<Hello>(*hello)) return;
    c->send(Hello{kVersion, Role::kAgent});
    const auto request = c->receive();
    if (!request) return;
    if (const auto* create = std::get_if<CreateContainer>(&*request)) {
      mode_ = mode_of(*create);
      say("mode " + mode_);
      if (attack_at_create(*c, mode_)) return;
      c->send(Ok{});
      relay_ = std::move(c);
      return;
    }
    if (!relay_) return;
    c->send(Ok{});
    c.reset();
    attack_after_start(*relay_, mode_);
    relay_.reset();
  }

 private:
  std::unique_ptr<Connection> relay_;
  std::string mode_;
};

int listen_on_agent_port() {
  const int fd = ::socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_vm addr{};
  addr.svm_family = AF_VSOCK;
  addr.svm_cid = VMADDR_CID_ANY;
  addr.svm_port = kAgentVsockPort;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 || ::listen(fd, 16) < 0) {
    std::perror("hostile-agent: listen");
    return -1;
  }
  return fd;
}

}  // namespace

int main() {
  const int listener = listen_on_agent_port();
  Attacker attacker;
  for (;;) {
    if (listener < 0) {
      ::pause();
      continue;
    }
    ppc::UniqueFd fd(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
    if (!fd.valid()) continue;
    try {
      attacker.serve(std::move(fd));
    } catch (const std::exception& e) {
      say(std::string("connection ended: ") + e.what());
    }
  }
}
