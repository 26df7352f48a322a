#pragma once
// Signal names as `kill` takes them from the command line (runc kill CONTAINER SIGNAL).
#include <optional>
#include <string_view>

namespace ppc::oci {

// "SIGTERM", "TERM", "sigterm", "15", "SIGRTMIN+3", "RTMAX-1" -> the Linux signal number.
// Names are case-insensitive and the SIG prefix is optional; real-time signals count from
// the C library's SIGRTMIN/SIGRTMAX. Only 1..64 are valid: nullopt for 0, anything larger,
// unknown names and malformed text.
std::optional<int> signal_number(std::string_view name);

}  // namespace ppc::oci
