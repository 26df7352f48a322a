#include "oci/signals.h"

#include <array>
#include <charconv>
#include <csignal>
#include <string>
#include <utility>

namespace ppc::oci {

namespace {

constexpr int kMaxSignal = 64;  // _NSIG - 1 on Linux

// Standard signals by name, without the SIG prefix, from the C library's headers (the
// numbers differ between architectures on some platforms; on ppc64le and x86_64 they match).
const std::array<std::pair<std::string_view, int>, 34> kSignals = {{
    {"HUP", SIGHUP},       {"INT", SIGINT},       {"QUIT", SIGQUIT},     {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT},     {"IOT", SIGIOT},       {"BUS", SIGBUS},
    {"FPE", SIGFPE},       {"KILL", SIGKILL},     {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE},     {"ALRM", SIGALRM},     {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},     {"CLD", SIGCHLD},      {"CONT", SIGCONT},
    {"STOP", SIGSTOP},     {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU},
    {"URG", SIGURG},       {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ},     {"VTALRM", SIGVTALRM},
    {"PROF", SIGPROF},     {"WINCH", SIGWINCH},   {"IO", SIGIO},         {"POLL", SIGPOLL},
    {"PWR", SIGPWR},       {"SYS", SIGSYS},
}};

// A decimal number made of digits only (no sign, no spaces), or nullopt.
std::optional<int> decimal(std::string_view text) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<int> valid(std::optional<int> number) {
  if (!number || *number < 1 || *number > kMaxSignal) return std::nullopt;
  return number;
}

// RTMIN, RTMIN+n, RTMAX, RTMAX-n; SIGRTMIN is the C library's first free real-time signal
// (34 with glibc, which keeps 32 and 33 for itself), the same numbering kill(1) uses.
std::optional<int> realtime(std::string_view name) {
  const int rtmin = SIGRTMIN;
  const int rtmax = SIGRTMAX;
  std::optional<int> number;
  if (name == "RTMIN") {
    number = rtmin;
  } else if (name == "RTMAX") {
    number = rtmax;
  } else if (name.starts_with("RTMIN+")) {
    if (auto offset = decimal(name.substr(6))) number = rtmin + *offset;
  } else if (name.starts_with("RTMAX-")) {
    if (auto offset = decimal(name.substr(6))) number = rtmax - *offset;
  }
  if (!number || *number < rtmin || *number > rtmax) return std::nullopt;
  return valid(number);
}

}  // namespace

std::optional<int> signal_number(std::string_view name) {
  if (name.empty() || name.size() > 16) return std::nullopt;
  if (name.front() >= '0' && name.front() <= '9') return valid(decimal(name));

  std::string upper(name);
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  std::string_view bare = upper;
  if (bare.starts_with("SIG")) bare.remove_prefix(3);
  for (const auto& [known, number] : kSignals) {
    if (known == bare) return number;
  }
  return realtime(bare);
}

}  // namespace ppc::oci
