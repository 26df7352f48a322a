#pragma once
// A child process's one-line report to the process that started it, on a pipe: "ok\n" when
// it is ready, or "error <status> <message>\n" with the exit status the starter should give
// its caller. The VMM reports the container's creation this way to the shim, and a detached
// `exec` child its process's start to the CLI.
#include <optional>
#include <string>
#include <string_view>

namespace ppc {

struct ReadyReport {
  bool ok = false;
  int status = 1;       // 1..255 when !ok
  std::string message;  // when !ok; never empty
};

std::string encode_ready_ok();
// A status outside 1..255 becomes 1; line breaks in the message become spaces.
std::string encode_ready_error(int status, std::string_view message);
// One line without its newline. nullopt: not a report (garbled, or another program's output).
// The message comes back printable (control characters as \xNN, see base/printable.h).
std::optional<ReadyReport> decode_ready_line(std::string_view line);

// A VMM that restored its guest from a snapshot (--restore-from) begins the message of a
// failure of the VM itself (the restore refused, the guest or its agent lost; not the agent's
// refusal of the container) with this: its starter may then boot the guest cold instead.
inline constexpr std::string_view kRestoredGuestFailed = "the restored guest failed: ";

}  // namespace ppc
