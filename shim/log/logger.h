#pragma once
// The shim's log, in runc's two formats, because conmon and containerd parse it:
//   text: time="2024-05-01T10:00:00Z" level=error msg="container does not exist"
//   json: {"level":"error","msg":"container does not exist","time":"2024-05-01T10:00:00Z"}
// Lines go to --log when given, else to stderr. Errors are printed in one place (main),
// through error(): when the log is a file, the plain message goes to stderr as well.
#include <chrono>
#include <string>
#include <string_view>

#include "base/unique_fd.h"

namespace ppc::shim {

enum class LogFormat { kText, kJson };
enum class LogLevel { kDebug, kInfo, kWarning, kError };

// "text" or "json"; throws Error naming the value otherwise.
LogFormat parse_log_format(std::string_view name);

// One formatted line, with its trailing newline.
std::string format_log_line(LogFormat format, LogLevel level, std::string_view message, std::string_view time);

// The local time as logrus prints it: RFC 3339 with the zone offset, whole seconds.
std::string log_timestamp_now();

class Logger {
 public:
  // Opens `file` for appending (created 0644 as runc does); empty: stderr. Throws Error.
  void configure(LogFormat format, const std::string& file, bool debug);

  void debug(std::string_view message);
  void warning(std::string_view message);
  void error(std::string_view message);

  LogFormat format() const { return format_; }

 private:
  void write(LogLevel level, std::string_view message);

  LogFormat format_ = LogFormat::kText;
  UniqueFd file_;
  bool debug_ = false;
};

// The process's one logger.
Logger& logger();

// Where a command's time goes, for the debug log: lap("initramfs built") logs
// "<what>: initramfs built after 12 ms (+3 ms)", the time since the stopwatch started and since
// the last lap, so a run's phases can be told apart (VM boot, agent, container) without a profiler.
class PhaseClock {
 public:
  explicit PhaseClock(std::string what);
  void lap(std::string_view phase);

 private:
  std::string what_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace ppc::shim
