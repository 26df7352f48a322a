// ps: a container's host processes. The container's own processes run in the guest, out of
// the host's sight; on the host a container is its VMM: the pid in --pid-file (the jail's
// supervisor) and the processes below it (the VMM proper).
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "cli/usage_error.h"
#include "commands/command_spec.h"
#include "commands/commands.h"
#include "commands/container_ops.h"
#include "state/process_info.h"

namespace ppc::shim {
namespace {

std::string run_ps_program(const std::vector<std::string>& ps_args) {
  std::string command = "ps";
  for (const std::string& a : ps_args) {
    std::string quoted = "'";
    for (const char c : a) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    command += " " + quoted + "'";
  }
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) throw_errno("running ps");
  std::string output;
  char buf[4096];
  while (const size_t n = std::fread(buf, 1, sizeof buf, pipe)) output.append(buf, n);
  const int status = ::pclose(pipe);
  if (status != 0) throw Error("ps failed: " + output);
  return output;
}

}  // namespace

int run_ps(Context& context, const std::vector<std::string>& args) {
  static const CommandSpec spec{"ps", "<container-id> [ps options]",
                                "Shows the container's host processes: its VMM (the container's own processes\n"
                                "are inside the VM). --format json prints their pids.",
                                {{"format", {"f"}, true}}, true, 1, SIZE_MAX};
  const auto flags = parse_command(spec, args);
  if (!flags) return 0;
  const std::string format = flags->value("format", "table");
  if (format != "table" && format != "json") throw UsageError("invalid format option");
  std::vector<pid_t> pids;
  {
    const OpenContainer open = open_container(context.store, flags->positionals[0]);
    if (open.status != Status::kStopped) pids = process_tree(open.state.pid);
  }
  if (format == "json") {
    std::printf("%s\n", nlohmann::json(pids).dump().c_str());
    return 0;
  }
  std::vector<std::string> ps_args(flags->positionals.begin() + 1, flags->positionals.end());
  if (ps_args.empty()) ps_args = {"-ef"};
  std::istringstream lines(run_ps_program(ps_args));
  std::string header;
  std::getline(lines, header);
  std::istringstream titles(header);
  int pid_column = -1;
  std::string title;
  for (int i = 0; titles >> title; ++i) {
    if (title == "PID") pid_column = i;
  }
  if (pid_column < 0) throw Error("couldn't find PID field in ps output");
  std::printf("%s\n", header.c_str());
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string field;
    for (int i = 0; i <= pid_column && fields >> field; ++i) {
    }
    const pid_t pid = static_cast<pid_t>(std::atoi(field.c_str()));
    if (std::find(pids.begin(), pids.end(), pid) != pids.end()) std::printf("%s\n", line.c_str());
  }
  return 0;
}

}  // namespace ppc::shim
