#include "log/logger.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

#include "base/error.h"

namespace ppc::shim {
namespace {

std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
  }
  return "error";
}

// logrus quotes a value unless every byte is in [A-Za-z0-9-._/@^+], with Go's %q escapes.
bool needs_quoting(std::string_view text) {
  if (text.empty()) return true;
  for (const char c : text) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                       c == '.' || c == '_' || c == '/' || c == '@' || c == '^' || c == '+';
    if (!plain) return true;
  }
  return false;
}

std::string go_quote(std::string_view text) {
  std::string out = "\"";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += ch;  // UTF-8 passes through, as %q leaves printable runes alone
        }
    }
  }
  return out + "\"";
}

std::string text_value(std::string_view text) { return needs_quoting(text) ? go_quote(text) : std::string(text); }

}  // namespace

LogFormat parse_log_format(std::string_view name) {
  if (name == "text" || name.empty()) return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  throw Error("invalid log-format: " + std::string(name));
}

std::string format_log_line(LogFormat format, LogLevel level, std::string_view message, std::string_view time) {
  if (format == LogFormat::kJson) {
    // Keys in logrus's (alphabetical) order; invalid UTF-8 is replaced rather than thrown on.
    const nlohmann::json line = {{"level", level_name(level)}, {"msg", message}, {"time", time}};
    return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  return "time=" + text_value(time) + " level=" + std::string(level_name(level)) + " msg=" + text_value(message) + "\n";
}

std::string log_timestamp_now() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  ::localtime_r(&now, &local);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &local);
  std::string out = buf;
  const long offset = local.tm_gmtoff;
  if (offset == 0) return out + "Z";
  char zone[40];
  std::snprintf(zone, sizeof zone, "%c%02ld:%02ld", offset < 0 ? '-' : '+', std::labs(offset) / 3600,
                (std::labs(offset) % 3600) / 60);
  return out + zone;
}

void Logger::configure(LogFormat format, const std::string& file, bool debug) {
  format_ = format;
  debug_ = debug;
  if (!file.empty()) {
    UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (!fd.valid()) throw_errno("--log " + file);
    file_ = std::move(fd);
  }
}

void Logger::write(LogLevel level, std::string_view message) {
  const std::string line = format_log_line(format_, level, message, log_timestamp_now());
  const int fd = file_.valid() ? file_.get() : STDERR_FILENO;
  // One write per line: concurrent writers to an O_APPEND log never interleave inside it.
  [[maybe_unused]] const ssize_t n = ::write(fd, line.data(), line.size());
}

void Logger::debug(std::string_view message) {
  if (debug_) write(LogLevel::kDebug, message);
}

void Logger::warning(std::string_view message) { write(LogLevel::kWarning, message); }

void Logger::error(std::string_view message) {
  write(LogLevel::kError, message);
  if (file_.valid()) {
    const std::string line = std::string(message) + "\n";
    [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
  }
}

Logger& logger() {
  static Logger instance;
  return instance;
}

PhaseClock::PhaseClock(std::string what)
    : what_(std::move(what)), start_(std::chrono::steady_clock::now()), last_(start_) {}

void PhaseClock::lap(std::string_view phase) {
  const auto now = std::chrono::steady_clock::now();
  auto ms = [](auto d) { return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()); };
  logger().debug(what_ + ": " + std::string(phase) + " after " + ms(now - start_) + " ms (+" + ms(now - last_) + " ms)");
  last_ = now;
}

}  // namespace ppc::shim
