#pragma once
// One message with at most one file descriptor riding on it (SCM_RIGHTS) over an AF_UNIX
// socket: the agent's child hands it the container's pty master, the shim hands conmon the
// console master.
#include <cstddef>
#include <span>
#include <string_view>

#include "base/unique_fd.h"

namespace ppc {

// Sends `data` and, when fd >= 0, `fd` in the same message. `data` must not be empty: a
// message without data carries no fd. Throws Error naming `what`.
void send_message_with_fd(int socket, std::string_view data, int fd, std::string_view what);

struct MessageWithFd {
  size_t size = 0;  // bytes of data in the buffer; 0: the peer closed its end
  UniqueFd fd;      // the fd passed with it, if any (close-on-exec; extra ones are closed)
};

// Receives one message into `buffer`. Throws Error naming `what`.
MessageWithFd receive_message_with_fd(int socket, std::span<char> buffer, std::string_view what);

}  // namespace ppc
