// console_receiver: the test stand-in for conmon's side of --console-socket (runc's
// recvtty). Listens on SOCKET, takes one connection, receives the pty master (SCM_RIGHTS),
// copies everything the terminal prints to OUTPUT, and types each INPUT line (ending in
// "\r") once the terminal shows a shell prompt ("# ") after the previous one. Ends when the
// terminal closes (the container exited) or after 600 s.
//   console_receiver SOCKET OUTPUT [INPUT...]
// Exits 0 once a terminal was received, every INPUT typed and the terminal read to its end;
// 1 otherwise (the terminal still open after 600 s among them).
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "base/error.h"
#include "console/console_socket.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: console_receiver SOCKET OUTPUT [INPUT...]\n");
    return 2;
  }
  try {
    const std::string path = argv[1];
    ::unlink(path.c_str());
    ppc::UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener.get(), 1) != 0) {
      ppc::throw_errno("listen on " + path);
    }
    ppc::UniqueFd conn(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!conn.valid()) ppc::throw_errno("accept");
    std::string name;
    ppc::UniqueFd master = ppc::shim::receive_fd(conn.get(), &name);
    if (!::isatty(master.get())) throw ppc::Error("the received fd is not a terminal");
    std::fprintf(stderr, "console_receiver: got a terminal (%s)\n", name.c_str());
    ppc::UniqueFd out(::open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644));
    if (!out.valid()) ppc::throw_errno(argv[2]);

    int next_input = 3;
    std::string since_input;  // what the terminal printed since the last line we typed
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(600);
    for (;;) {
      if (std::chrono::steady_clock::now() >= deadline) throw ppc::Error("the terminal was still open after 600 s");
      pollfd p{master.get(), POLLIN, 0};
      if (::poll(&p, 1, 1000) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::read(master.get(), buf, sizeof buf);
      if (n <= 0) break;  // EIO: the last slave closed, the container is gone
      if (::write(out.get(), buf, static_cast<size_t>(n)) != n) ppc::throw_errno("write output");
      since_input.append(buf, static_cast<size_t>(n));
      if (next_input < argc && since_input.find("# ") != std::string::npos) {
        const std::string line = std::string(argv[next_input++]) + "\r";
        if (::write(master.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size())) ppc::throw_errno("type");
        since_input.clear();
      }
    }
    if (next_input < argc) throw ppc::Error("the terminal closed before '" + std::string(argv[next_input]) + "' was typed");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "console_receiver: %s\n", e.what());
    return 1;
  }
}
