#pragma once
// runc's --console-socket protocol: connect to the AF_UNIX stream socket the caller
// listens on, and send one message whose data is the terminal's name and whose SCM_RIGHTS
// control message carries the pty master. conmon, containerd and runc's recvtty read it so.
#include <string>
#include <string_view>

#include "base/unique_fd.h"

namespace ppc::shim {

// Sends `fd` with `name` as the message data over a connected socket. Throws Error.
void send_fd(int socket, int fd, std::string_view name);

// Receives one fd sent by send_fd (and the name, when wanted). Throws Error.
UniqueFd receive_fd(int socket, std::string* name = nullptr);

// Connects to the console socket at `path` and sends the master; runc names it /dev/ptmx.
void send_console(const std::string& path, int master);

}  // namespace ppc::shim
