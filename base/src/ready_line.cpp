#include "base/ready_line.h"

#include "base/printable.h"

namespace ppc {
namespace {

int valid_status(int status) { return status >= 1 && status <= 255 ? status : 1; }

}  // namespace

std::string encode_ready_ok() { return "ok\n"; }

std::string encode_ready_error(int status, std::string_view message) {
  std::string line = "error " + std::to_string(valid_status(status)) + " ";
  for (const char c : message) line.push_back(c == '\n' || c == '\r' ? ' ' : c);
  if (message.empty()) line += "failed";
  line.push_back('\n');
  return line;
}

std::optional<ReadyReport> decode_ready_line(std::string_view line) {
  if (line == "ok") return ReadyReport{true, 0, ""};
  constexpr std::string_view kError = "error ";
  if (line.substr(0, kError.size()) != kError) return std::nullopt;
  line.remove_prefix(kError.size());
  int status = 0;
  size_t digits = 0;
  while (digits < line.size() && digits < 4 && line[digits] >= '0' && line[digits] <= '9')
    status = status * 10 + (line[digits++] - '0');
  if (digits == 0 || (digits < line.size() && line[digits] != ' ')) return std::nullopt;
  line.remove_prefix(digits);
  while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  // The message may carry a guest's words (the agent's error, relayed by the VMM): escaped.
  ReadyReport report{false, valid_status(status), printable(line)};
  if (report.message.empty()) report.message = "failed without a reason";
  return report;
}

}  // namespace ppc
