// Guest side of the vsock system tests (runs inside the guest, static ppc64le).
//   vsock_peer listen PORT      serve data connections (bulk and echo, one thread each)
//   vsock_peer control PORT     one command per connection: "connect HOSTPORT BYTES" (connect
//                               out to the host, send BYTES of pattern(7), answer "done RC");
//                               "shutdown" makes this program exit 0 once the host has its "bye"
#include <poll.h>
#include <sys/socket.h>
// after sys/socket.h: it needs sockaddr
#include <linux/vm_sockets.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "common.h"

using namespace vsock_test;

namespace {

int listen_on(unsigned port) {
  const int fd = ::socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_vm addr{};
  addr.svm_family = AF_VSOCK;
  addr.svm_cid = VMADDR_CID_ANY;
  addr.svm_port = port;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 || ::listen(fd, 64) < 0) {
    std::perror("vsock_peer: listen");
    std::exit(1);
  }
  return fd;
}

void serve_data(int fd) {
  Request req{};
  if (!read_all(fd, &req, sizeof req)) return void(::close(fd));
  std::vector<uint8_t> buf(1 << 16);
  if (req.mode == 1) {  // echo until EOF
    for (ssize_t n; (n = ::read(fd, buf.data(), buf.size())) > 0;)
      if (!write_all(fd, buf.data(), static_cast<size_t>(n))) break;
    ::close(fd);
    return;
  }
  Fnv got;
  for (uint64_t done = 0; done < req.up;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), req.up - done));
    if (!read_all(fd, buf.data(), n)) return void(::close(fd));
    got.add(buf.data(), n);
    done += n;
  }
  for (uint64_t done = 0; done < req.down;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), req.down - done));
    for (size_t i = 0; i < n; ++i) buf[i] = pattern_byte(req.seed + 1, done + i);
    if (!write_all(fd, buf.data(), n)) return void(::close(fd));
    done += n;
  }
  write_all(fd, &got.h, sizeof got.h);
  ::close(fd);
}

// Waits (at most 10 s) until the host closes FD. The guest powers off right after "bye", and
// its kernel resets every virtio device on the way (virtio_dev_shutdown): what still waits in
// the guest's send queue, or in the tx ring for the VMM's device thread, is then lost.
void wait_for_host_close(int fd) {
  pollfd p{fd, POLLIN, 0};
  char sink[64];
  while (::poll(&p, 1, 10000) > 0 && ::read(fd, sink, sizeof sink) > 0) {
  }
}

int connect_out(unsigned port, uint64_t bytes) {
  const int fd = ::socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_vm addr{};
  addr.svm_family = AF_VSOCK;
  addr.svm_cid = VMADDR_CID_HOST;
  addr.svm_port = port;
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
    std::perror("vsock_peer: connect to the host");
    if (fd >= 0) ::close(fd);
    return 1;
  }
  std::vector<uint8_t> buf(1 << 16);
  for (uint64_t done = 0; done < bytes;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), bytes - done));
    for (size_t i = 0; i < n; ++i) buf[i] = pattern_byte(7, done + i);
    if (!write_all(fd, buf.data(), n)) return ::close(fd), 2;
    done += n;
  }
  ::close(fd);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: vsock_peer listen|control PORT\n");
    return 2;
  }
  const std::string mode = argv[1];
  const int lfd = listen_on(static_cast<unsigned>(std::strtoul(argv[2], nullptr, 10)));
  std::printf("vsock_peer: %s on port %s\n", mode.c_str(), argv[2]);
  std::fflush(stdout);
  while (true) {
    const int fd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    if (mode == "listen") {
      std::thread(serve_data, fd).detach();
      continue;
    }
    char line[128] = {};
    ssize_t n = ::read(fd, line, sizeof line - 1);
    if (n <= 0) { ::close(fd); continue; }
    unsigned port = 0;
    unsigned long long bytes = 0;
    if (std::strncmp(line, "shutdown", 8) == 0) {
      write_all(fd, "bye\n", 4);
      wait_for_host_close(fd);
      ::close(fd);
      return 0;
    }
    if (std::sscanf(line, "connect %u %llu", &port, &bytes) == 2) {
      const int rc = connect_out(port, bytes);
      const std::string reply = "done " + std::to_string(rc) + "\n";
      write_all(fd, reply.data(), reply.size());
    }
    ::close(fd);
  }
}
