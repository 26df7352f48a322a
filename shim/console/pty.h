#pragma once
// Host pseudo-terminals for containers with process.terminal: the master goes to whoever
// asked through --console-socket, the slave becomes the VMM's (or exec's) stdio.
#include <termios.h>

#include <optional>
#include <string>

#include "base/unique_fd.h"

namespace ppc::shim {

struct PtyPair {
  UniqueFd master;
  UniqueFd slave;
  std::string slave_name;  // /dev/pts/N
};

// Both ends close-on-exec and without O_NOCTTY surprises; throws Error.
PtyPair open_pty();

// Raw mode: no echo, no line editing, no signal characters, no CR/LF translation. The
// guest's own pty does all of that; doing it twice would echo every key twice.
void make_raw(int fd);

struct WindowSize {
  unsigned short rows = 0;
  unsigned short cols = 0;
};
// nullopt when fd is no terminal or has no size yet (0x0).
std::optional<WindowSize> window_size(int fd);

// Puts a terminal in raw mode and gives it back as it was (run with the caller's terminal).
class RawModeGuard {
 public:
  explicit RawModeGuard(int fd);
  ~RawModeGuard();
  RawModeGuard(const RawModeGuard&) = delete;
  RawModeGuard& operator=(const RawModeGuard&) = delete;

 private:
  int fd_;
  std::optional<termios> saved_;  // set while raw mode is ours to undo
};

}  // namespace ppc::shim
