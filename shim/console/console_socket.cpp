#include "console/console_socket.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/error.h"
#include "base/fd_passing.h"

namespace ppc::shim {

void send_fd(int socket, int fd, std::string_view name) {
  // A message needs a byte of data to carry the fd.
  send_message_with_fd(socket, name.empty() ? std::string_view("fd") : name, fd,
                       "sending the terminal over the console socket");
}

UniqueFd receive_fd(int socket, std::string* name) {
  char data[4096];
  MessageWithFd message = receive_message_with_fd(socket, data, "recvmsg on the console socket");
  if (!message.fd.valid()) throw Error("the console socket message carried no file descriptor");
  if (name != nullptr) name->assign(data, message.size);
  return std::move(message.fd);
}

void send_console(const std::string& path, int master) {
  UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!sock.valid()) throw_errno("socket AF_UNIX");
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) throw Error("--console-socket " + path + ": path too long");
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  if (::connect(sock.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    throw_errno("--console-socket " + path);
  }
  send_fd(sock.get(), master, "/dev/ptmx");
}

}  // namespace ppc::shim
