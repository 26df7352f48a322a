#include "container/terminal.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <string>

#include "base/error.h"

namespace ppc::agent {

void set_window_size(int fd, unsigned rows, unsigned cols) {
  winsize size{};
  size.ws_row = static_cast<unsigned short>(rows);
  size.ws_col = static_cast<unsigned short>(cols);
  if (::ioctl(fd, TIOCSWINSZ, &size) != 0) throw_errno("setting the terminal size");
}

UniqueFd open_container_terminal(const std::optional<oci::ConsoleSize>& size) {
  UniqueFd master(::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!master.valid()) throw_errno("process.terminal: opening /dev/ptmx (is devpts mounted on /dev/pts?)");
  int unlock = 0;
  if (::ioctl(master.get(), TIOCSPTLCK, &unlock) != 0) throw_errno("process.terminal: unlocking the pty");
  // TIOCGPTPEER opens the slave through the master, whatever the path looks like inside.
  UniqueFd slave(::ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY));
  if (!slave.valid()) throw_errno("process.terminal: opening the pty slave");
  if (size && size->height > 0 && size->width > 0) set_window_size(slave.get(), size->height, size->width);
  if (::ioctl(slave.get(), TIOCSCTTY, 0) != 0) throw_errno("process.terminal: making the pty the controlling terminal");
  for (int fd = 0; fd < 3; ++fd) {
    if (::dup2(slave.get(), fd) < 0) throw_errno("process.terminal: dup2");
  }
  return master;
}

}  // namespace ppc::agent
