#include "console/pty.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "base/error.h"

namespace ppc::shim {

PtyPair open_pty() {
  PtyPair pair;
  pair.master.reset(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!pair.master.valid()) throw_errno("open /dev/ptmx (is devpts mounted on /dev/pts?)");
  if (::grantpt(pair.master.get()) != 0) throw_errno("grantpt");
  if (::unlockpt(pair.master.get()) != 0) throw_errno("unlockpt");
  char name[128];
  if (::ptsname_r(pair.master.get(), name, sizeof name) != 0) throw_errno("ptsname");
  pair.slave_name = name;
  pair.slave.reset(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!pair.slave.valid()) throw_errno("open " + pair.slave_name);
  return pair;
}

void make_raw(int fd) {
  termios t{};
  if (::tcgetattr(fd, &t) != 0) throw_errno("tcgetattr");
  ::cfmakeraw(&t);
  if (::tcsetattr(fd, TCSANOW, &t) != 0) throw_errno("tcsetattr");
}

std::optional<WindowSize> window_size(int fd) {
  winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 || ws.ws_col == 0) return std::nullopt;
  return WindowSize{ws.ws_row, ws.ws_col};
}

RawModeGuard::RawModeGuard(int fd) : fd_(fd) {
  termios t{};
  if (!::isatty(fd) || ::tcgetattr(fd, &t) != 0) return;
  make_raw(fd);
  saved_ = t;
}

RawModeGuard::~RawModeGuard() {
  if (saved_) ::tcsetattr(fd_, TCSANOW, &*saved_);
}

}  // namespace ppc::shim
